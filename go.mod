module github.com/tdswire/tdswire

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/crypto v0.48.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
