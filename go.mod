module github.com/tdswire/tdswire

go 1.24
