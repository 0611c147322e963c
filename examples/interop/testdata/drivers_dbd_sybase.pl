# Runs the driver matrix of drivers_test.go with Perl DBD::Sybase (FreeTDS
# ct-lib): AutoCommit off with explicit transactions (syb_chained_txn 0:
# BEGIN TRAN / COMMIT TRAN, as for SQL Server), database= given, ?
# placeholders prepared with sp_prepare. Prints one JSON object.
# Arguments: port.
use strict;
use warnings;
use DBI;

my $port = shift @ARGV;
my %out;
my $dsn = "dbi:Sybase:host=127.0.0.1;port=$port;database=tdswire";
my $dbh = DBI->connect($dsn, "sa", "Passw0rd!", {RaiseError => 1, PrintError => 0, AutoCommit => 0, syb_chained_txn => 0});
my $r = $dbh->selectrow_arrayref("SELECT 42, N'héllo', NULL, 1.5");
$out{literal} = [map { defined $_ ? "$_" : "None" } @$r];
$r = $dbh->selectall_arrayref("SELECT id, name, price FROM sample");
$out{sample} = [map { [map { defined $_ ? "$_" : "None" } @$_] } @$r];
$r = $dbh->selectall_arrayref("SELECT * FROM big");
$out{big} = scalar @$r;
my $sth = $dbh->prepare("SELECT id, name FROM sample WHERE id = ?");
$sth->execute(2);
$out{param} = [map { defined $_ ? "$_" : "None" } @{$sth->fetchrow_arrayref}];
$sth->finish;
eval { $dbh->do("SELECT * FROM nosuch") };
$out{bad} = ($@ =~ /message number=(\d+)/) ? $1 + 0 : "$@";
$out{trancount} = $dbh->selectrow_arrayref("SELECT \@\@TRANCOUNT")->[0] + 0;
$dbh->commit;
$dbh->selectall_arrayref("SELECT COUNT(*) FROM sample");
$dbh->rollback;
$dbh->disconnect;
eval { DBI->connect($dsn, "sa", "wrong", {RaiseError => 1, PrintError => 0}) };
$out{badlogin} = ($DBI::errstr =~ /message number=(\d+)/) ? $1 + 0 : "$DBI::errstr";
sub enc {
    my $v = shift;
    return "[" . join(",", map { enc($_) } @$v) . "]" if ref $v eq "ARRAY";
    return $v if $v =~ /^-?\d+$/;
    $v =~ s/(["\\])/\\$1/g;
    return "\"$v\"";
}
print "{", join(",", map { "\"$_\":" . enc($out{$_}) } sort keys %out), "}\n";
