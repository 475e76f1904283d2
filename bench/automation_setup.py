#!/usr/bin/python3
"""Sets up one server of the automation benchmark through JSON-2 and prints the id of the
partner the benchmark writes (bench/run).

    automation_setup.py PORT KEY none|one|on-create|thousand|chain:N|webhook|create-ai
    automation_setup.py PORT KEY create-hook URL   (an on-create rule sending a webhook to URL)
    automation_setup.py PORT KEY check-chain:N ID   (exits 1 unless the chain ran to its end)
"""

import json
import sys
import urllib.request


def call(port, key, model, method, **params):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/json/2/{model}/{method}",
                                 data=json.dumps(params).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"bearer {key}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def write_action(field, value, evaluation="value"):
    return [0, 0, {"name": f"set {field}", "state": "object_write", "update_path": field,
                   "evaluation_type": evaluation, "value": value}]


def main():
    port, key, what = sys.argv[1], sys.argv[2], sys.argv[3]
    c = lambda *a, **k: call(port, key, *a, **k)  # noqa: E731
    if what.startswith("check-chain:"):
        n, pid = int(what.split(":")[1]), int(sys.argv[4])
        row = c("res.partner", "read", ids=[pid], fields=["x_f0", f"x_f{n}"])[0]
        ok = row["x_f0"] == row[f"x_f{n}"] and row["x_f0"] != 0
        print(f"chain of {n}: x_f0 = {row['x_f0']}, x_f{n} = {row[f'x_f{n}']}")
        sys.exit(0 if ok else 1)
    pid = c("res.partner", "create", vals_list=[{"name": "Bench"}])[0]
    if what == "one":
        c("base.automation", "create", vals_list=[{
            "name": "Touch", "model_name": "res.partner", "trigger": "on_write",
            "filter_domain": f"[('id', '=', {pid})]",
            "action_server_ids": [write_action("comment", "touched")]}])
    elif what == "on-create":
        c("base.automation", "create", vals_list=[{
            "name": "Stamp new", "model_name": "res.partner", "trigger": "on_create",
            "action_server_ids": [write_action("comment", "created")]}])
    elif what == "thousand":
        rules = []
        for i in range(1000):
            if i % 2:  # other models
                model = "res.partner.category" if i % 4 == 1 else "res.currency"
                rules.append({"name": f"Other model {i}", "model_name": model, "trigger": "on_write",
                              "action_server_ids": [write_action("name", f"r{i}")]})
            else:  # the same model, another watched field
                rules.append({"name": f"Other field {i}", "model_name": "res.partner",
                              "trigger": "on_write",
                              "trigger_field_ids": [[6, 0, [email_field(c)]]],
                              "action_server_ids": [write_action("comment", f"r{i}")]})
        c("base.automation", "create", vals_list=rules)
        assert c("base.automation", "search_count", domain=[]) == 1000
    elif what.startswith("chain:"):
        n = int(what.split(":")[1])
        model = c("ir.model", "search", domain=[["model", "=", "res.partner"]])[0]
        fields = c("ir.model.fields", "create", vals_list=[
            {"name": f"x_f{i}", "model_id": model, "ttype": "integer", "field_description": f"F{i}"}
            for i in range(n + 1)])
        c("base.automation", "create", vals_list=[{
            "name": f"Chain {i}", "model_name": "res.partner", "trigger": "on_write",
            "trigger_field_ids": [[6, 0, [fields[i]]]],
            "action_server_ids": [write_action(f"x_f{i + 1}", f"record.x_f{i}", "equation")]}
            for i in range(n)])
    elif what == "webhook":
        # A webhook rule writing one field of the record it finds; prints "PARTNER_ID HOOK_PATH".
        rid = c("base.automation", "create", vals_list=[{
            "name": "Hook", "model_name": "res.partner", "trigger": "on_webhook",
            "action_server_ids": [write_action("comment", "hooked")]}])[0]
        url = c("base.automation", "read", ids=[rid], fields=["url"])[0]["url"]
        print(pid, url[url.index("/web/hook/"):])
        return
    elif what == "create-hook":
        # Every created contact sent to a webhook receiver (the outbox posts after the commit).
        fields = c("ir.model.fields", "search",
                   domain=[["model", "=", "res.partner"], ["name", "in", ["name", "email"]]])
        c("base.automation", "create", vals_list=[{
            "name": "Notify", "model_name": "res.partner", "trigger": "on_create",
            "action_server_ids": [[0, 0, {"name": "Post it", "state": "webhook", "webhook_url": sys.argv[4],
                                          "webhook_field_ids": [[6, 0, fields]]}]]}])
    elif what == "create-ai":
        # Every created contact's job position asked of the language model (answered later).
        c("base.automation", "create", vals_list=[{
            "name": "Guess", "model_name": "res.partner", "trigger": "on_create",
            "action_server_ids": [[0, 0, {"name": "Job", "state": "object_write", "update_path": "function",
                                          "evaluation_type": "ai",
                                          "ai_prompt": "What does {{ object.name }} of {{ object.city }} do?"}]]}])
    elif what != "none":
        sys.exit(f"unknown set-up {what}")
    print(pid)


_email = []


def email_field(c):
    if not _email:
        _email.append(c("ir.model.fields", "search",
                        domain=[["model", "=", "res.partner"], ["name", "=", "email"]])[0])
    return _email[0]


if __name__ == "__main__":
    main()
