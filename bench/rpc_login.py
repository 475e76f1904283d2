"""The cost of logging in with a password over XML-RPC, against the same calls with an API key, in
alternating rounds on one server (bench/run's "login" section).

  rpc_login.py PORT DB KEY PASSWORD [CALLS] [ROUNDS]

Prints: the median ratio of (execute_kw with the password) / (execute_kw with the key) per call,
its two medians in microseconds, and one login's median in milliseconds (common.login, which
checks the password's Argon2id hash every time it is called)."""

import statistics
import sys
import time
import xmlrpc.client


def main():
    port, db, key, password = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    calls = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 7
    url = f"http://127.0.0.1:{port}/xmlrpc/2"
    common = xmlrpc.client.ServerProxy(f"{url}/common")
    models = xmlrpc.client.ServerProxy(f"{url}/object")
    uid = common.login(db, "admin", password)
    assert uid == 2, uid

    def per_call(secret):
        start = time.perf_counter()
        for _ in range(calls):
            models.execute_kw(db, uid, secret, "res.partner", "search_count", [[["is_company", "=", True]]])
        return (time.perf_counter() - start) / calls * 1e6

    per_call(password)
    per_call(key)  # warm both paths
    ratios, with_password, with_key, logins = [], [], [], []
    for _ in range(rounds):
        p = per_call(password)
        k = per_call(key)
        ratios.append(p / k)
        with_password.append(p)
        with_key.append(k)
        start = time.perf_counter()
        assert common.login(db, "admin", password) == uid
        logins.append((time.perf_counter() - start) * 1e3)
    print(f"{statistics.median(ratios):.2f} {statistics.median(with_password):.0f} "
          f"{statistics.median(with_key):.0f} {statistics.median(logins):.1f}")


if __name__ == "__main__":
    main()
