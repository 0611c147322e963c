# Runs the driver matrix of drivers_test.go with pyodbc and the FreeTDS
# ODBC driver on their defaults (autocommit off, DATABASE= given, ?
# parameters sent as sp_prepexec) and prints one JSON object.
# Arguments: driver path, port, FreeTDS Encryption setting.
import json
import sys

import pyodbc

driver, port, enc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = "DRIVER=%s;SERVER=127.0.0.1;PORT=%d;DATABASE=tdswire;TDS_Version=7.4;Encryption=%s" % (driver, port, enc)
out = {}
conn = pyodbc.connect(base + ";UID=sa;PWD=Passw0rd!", timeout=10)
cur = conn.cursor()
cur.execute("SELECT 42, N'héllo', NULL, 1.5")
out["literal"] = [str(v) for v in cur.fetchone()]
cur.execute("SELECT id, name, price FROM sample")
out["sample"] = [[str(v) for v in r] for r in cur.fetchall()]
cur.execute("SELECT * FROM big")
out["big"] = len(cur.fetchall())
cur.execute("SELECT id, name FROM sample WHERE id = ?", 2)
out["param"] = [str(v) for v in cur.fetchone()]
try:
    cur.execute("SELECT * FROM nosuch")
    out["bad"] = 0
except pyodbc.Error as e:
    out["bad"] = 208 if "(208)" in str(e) else str(e)
cur.execute("SELECT @@TRANCOUNT")
out["trancount"] = cur.fetchone()[0]
conn.commit()
cur.execute("SELECT COUNT(*) FROM sample")
cur.fetchall()
conn.rollback()
conn.close()
try:
    pyodbc.connect(base + ";UID=sa;PWD=wrong", timeout=10)
    out["badlogin"] = 0
except pyodbc.Error as e:
    out["badlogin"] = 18456 if "(18456)" in str(e) else str(e)
print(json.dumps(out))
