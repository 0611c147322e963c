# Runs the driver matrix of drivers_test.go with pymssql on its defaults
# (autocommit off, database= given, client-side parameter substitution)
# and prints one JSON object. Arguments: port.
import json
import sys

import pymssql

port = int(sys.argv[1])
out = {}
conn = pymssql.connect(server="127.0.0.1", port=port, user="sa", password="Passw0rd!",
                       database="tdswire", login_timeout=10, timeout=60)
cur = conn.cursor()
cur.execute("SELECT 42, N'héllo', NULL, 1.5")
out["literal"] = [str(v) for v in cur.fetchone()]
# The created column is left out: pymssql rounds 23:59:59.9999999 to
# hour 24 and fails (pymssql/pymssql#792), against SQL Server too.
cur.execute("SELECT id, name, price FROM sample")
out["sample"] = [[str(v) for v in r] for r in cur.fetchall()]
cur.execute("SELECT * FROM big")
out["big"] = len(cur.fetchall())
cur.execute("SELECT id, name FROM sample WHERE id = %s", (2,))
out["param"] = [str(v) for v in cur.fetchone()]
try:
    cur.execute("SELECT * FROM nosuch")
    out["bad"] = 0
except pymssql.Error as e:
    out["bad"] = e.args[0]
cur.execute("SELECT @@TRANCOUNT")
out["trancount"] = cur.fetchone()[0]
conn.commit()
cur.execute("SELECT COUNT(*) FROM sample")
cur.fetchall()
conn.rollback()
conn.close()
try:
    pymssql.connect(server="127.0.0.1", port=port, user="sa", password="wrong", database="tdswire", login_timeout=10)
    out["badlogin"] = 0
except pymssql.Error as e:
    # A login error's first argument is (number, message).
    out["badlogin"] = e.args[0][0] if isinstance(e.args[0], tuple) else str(e)
print(json.dumps(out))
