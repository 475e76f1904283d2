"""Email end to end: a rule's Send Email reaches a real SMTP server (tests/support/smtp_server.py,
started here on 127.0.0.1) through the outbox, with the subject and both bodies rendered from the
template; the customer's reply comes back through `autorules mailgate` and POST /mail/inbound,
lands on the same task and fires "on incoming message" rules (a failing one makes the mail server
keep the message for later); SMTP failures (the server down, then up; a deferring server; a
refused recipient) end where docs/mail.md says; hostile input (a template that does not render,
garbage, a huge message, a message for nobody, HTML, auto-replies, a loop) is refused or
defused and changes nothing else.

Deliveries are asynchronous: every wait polls with a deadline, and the outbox retries after
0.2 s (--delivery-retry-base) so that a retry comes quickly."""

import email
import email.policy
import json
import os
import subprocess
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from helpers import eventually, BIN, MODULES_PATH, SmtpSink, assert_error

DEADLINE = 30.0  # seconds an asynchronous outcome may take before the test fails

CUSTOMER = "Zoë Ångström-Müller"  # a name that RFC 2047 must encode
CUSTOMER_EMAIL = "zoe.angstrom@example.com"
SENDER = "projects@example.com"


@pytest.fixture
def sink_factory(tmp_path):
    """Starts SMTP servers on demand (each in a folder of its own); stops them all at the end."""
    sinks = []

    def make(name="sink", port=0, extra_args=()):
        s = SmtpSink(str(tmp_path / name), str(tmp_path / f"{name}.log"), port, extra_args)
        sinks.append(s)
        return s.start()

    yield make
    for s in sinks:
        s.stop()


@pytest.fixture
def sink(sink_factory):
    return sink_factory()


def mail_server(server_factory, smtp_url, *extra):
    """A demo server that sends email to `smtp_url`, retrying quickly."""
    return server_factory(demo=True, extra_args=["--smtp-url", smtp_url,
                                                 "--delivery-retry-base", "0.2", *extra])


def xmlid(api, full):
    module, name = full.split(".")
    rows = api.ok("ir.model.data", "search_read", domain=[["module", "=", module], ["name", "=", name]],
                  fields=["res_id"])
    assert len(rows) == 1, full
    return rows[0]["res_id"]


def model_id(api, model):
    return api.ok("ir.model", "search", domain=[["model", "=", model]])[0]


def read1(api, model, rid, *fields):
    return api.ok(model, "read", ids=[rid], fields=list(fields))[0]


def template(api, **vals):
    """A mail.template for tasks: the subject inline, the body QWeb, to the task's customer."""
    values = {
        "name": "Task done", "model_id": model_id(api, "project.task"),
        "subject": "Done: {{ object.name }}",
        "email_from": f"Project Team <{SENDER}>",
        "partner_to": "{{ object.partner_id.id }}",
        "body_html": '<p>Hello <t t-out="object.partner_id.name"/>,</p>'
                     '<p>Your task <b t-out="object.name"/> is done.</p>',
    }
    values.update(vals)
    return api.ok("mail.template", "create", vals_list=[values])[0]


def done_rule(api, template_id, method="comment", extra_actions=()):
    """"When a task reaches the stage Done, Send Email with the template"."""
    return api.ok("base.automation", "create", vals_list=[{
        "name": "Tell the customer", "model_name": "project.task", "trigger": "on_stage_set",
        "trg_field_ref": xmlid(api, "project.task_type_done"),
        "action_server_ids": [[0, 0, {"name": "Email the customer", "state": "mail_post",
                                      "template_id": template_id, "mail_post_method": method}]]
                             + list(extra_actions)}])[0]


def customer_task(api, email_address=CUSTOMER_EMAIL, name=CUSTOMER):
    """The demo's "Lighting plan" task (In Progress), its customer a new contact."""
    partner = api.ok("res.partner", "create", vals_list=[{"name": name, "email": email_address}])[0]
    task = api.ok("project.task", "search", domain=[["name", "=", "Lighting plan"]])[0]
    api.ok("project.task", "write", ids=[task], vals={"partner_id": partner})
    return task, partner


def move_to_done(api, task):
    return api.call("project.task", "write", ids=[task], vals={"stage_id": xmlid(api, "project.task_type_done")})


def header_block(raw):
    return raw.split(b"\r\n\r\n", 1)[0]


def mailgate(server, data, *extra):
    """`autorules mailgate --db <the server's database>` with `data` on stdin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTORULES_")}
    return subprocess.run([BIN, "mailgate", "--db", f"sqlite:{server.db}", "--modules-path", MODULES_PATH,
                           *extra], input=data, capture_output=True, timeout=60, env=env,
                          cwd=server.workdir)


def inbound(api, data, key=None):
    """POST /mail/inbound with the raw message; (status, parsed JSON body)."""
    status, _, body = api.request("POST", "/mail/inbound", data,
                                  {"Authorization": f"bearer {key or api.key}",
                                   "Content-Type": "message/rfc822"})
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def reply_to(original, text, sender=(CUSTOMER, CUSTOMER_EMAIL)):
    """The customer's answer to `original` (a parsed email), as a mail client writes it."""
    msg = EmailMessage(policy=email.policy.SMTP)
    name, addr = sender
    local, domain = addr.split("@")
    msg["From"] = Address(name, local, domain)
    msg["To"] = original["Reply-To"] or original["From"]
    msg["Subject"] = "Re: " + original["Subject"]
    msg["Date"] = email.utils.formatdate()
    msg["Message-ID"] = make_msgid(domain="customer.example.com")
    msg["In-Reply-To"] = original["Message-ID"]
    msg["References"] = original["Message-ID"]
    msg.set_content(text)
    return msg.as_bytes()


def stray_message(text="Hello?"):
    """A message that answers nothing known and is addressed to no alias."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "Stranger <stranger@elsewhere.example.net>"
    msg["To"] = "nobody@example.com"
    msg["Subject"] = "Anyone there?"
    msg["Message-ID"] = make_msgid(domain="elsewhere.example.net")
    msg["In-Reply-To"] = "<never-sent@example.com>"
    msg.set_content(text)
    return msg.as_bytes(), msg["Message-ID"]


def task_messages(api, task, **domain):
    ids = read1(api, "project.task", task, "message_ids")["message_ids"]
    terms = [["id", "in", ids]] + [[k, "=", v] for k, v in domain.items()]
    return api.ok("mail.message", "search_read", domain=terms,
                  fields=["message_type", "subject", "body", "author_id", "email_from", "message_id",
                          "parent_id", "subtype_id"])


def notifications(api, message_id, partner):
    return api.ok("mail.notification", "search_read",
                  domain=[["mail_message_id", "=", message_id], ["res_partner_id", "=", partner]],
                  fields=["notification_type", "notification_status", "failure_type", "failure_reason"])


def replies_counter(api):
    """An integer field x_replies on tasks and an "on incoming message" rule that counts replies
    into it: what the rule did can be read back."""
    api.ok("ir.model.fields", "create", vals_list=[{
        "model_id": model_id(api, "project.task"), "name": "x_replies", "ttype": "integer",
        "field_description": "Replies"}])
    return api.ok("base.automation", "create", vals_list=[{
        "name": "Count the customer's replies", "model_name": "project.task",
        "trigger": "on_message_received",
        "action_server_ids": [[0, 0, {"name": "count", "state": "code",
                                      "code": "record.write({'x_replies': record.x_replies + 1})"}]]}])[0]


# --- 1. A rule emails the customer when a task is done -----------------------------------------


def test_a_task_done_emails_the_customer_from_the_template(server_factory, sink):
    api = mail_server(server_factory, sink.url).client()
    task, customer = customer_task(api)
    done_rule(api, template(api))
    assert move_to_done(api, task)[0] == 200

    [(envelope, raw, msg)] = sink.wait_for(CUSTOMER_EMAIL)
    assert envelope["mail_from"] == SENDER
    assert envelope["rcpt_tos"] == [CUSTOMER_EMAIL]

    # Headers: the subject rendered inline, the non-ASCII name RFC 2047-encoded (the header block
    # is 7-bit), a Message-Id.
    assert msg["Subject"] == "Done: Lighting plan"
    [to] = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == (CUSTOMER, CUSTOMER_EMAIL)
    headers = header_block(raw)
    assert all(b < 128 for b in headers), headers
    assert b"=?" in headers  # the encoded name
    assert msg["From"].addresses[0].addr_spec == SENDER
    assert msg["Message-ID"] and msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith(">")
    assert msg["Date"] is not None

    # Bodies: multipart/alternative, the text first, then the HTML, both from the QWeb body.
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text, html = parts[0].get_content(), parts[1].get_content()
    assert f"<p>Hello {CUSTOMER},</p>" in html
    assert "<p>Your task <b>Lighting plan</b> is done.</p>" in html
    assert f"Hello {CUSTOMER}," in text
    assert "Your task Lighting plan is done." in text
    assert "<p>" not in text
    assert all(line.endswith(b"\r") or not line for line in raw.split(b"\n")[:-1])  # CRLF only

    # On the task's chatter, as the automatic message Send Email posts; its Message-Id is the
    # email's, and the customer's notification was sent.
    [posted] = task_messages(api, task, message_type="auto_comment")
    assert posted["subject"] == "Done: Lighting plan"
    assert posted["message_id"] == msg["Message-ID"]
    assert "Lighting plan" in posted["body"]
    [note] = eventually(lambda: [n for n in notifications(api, posted["id"], customer)
                                 if n["notification_status"] == "sent"],
                        "the customer's notification to be sent")
    assert note["notification_type"] == "email"
    # The customer now follows the task ("Subscribe Recipients", on by default).
    followers = api.ok("mail.followers", "search_read",
                       domain=[["res_model", "=", "project.task"], ["res_id", "=", task]],
                       fields=["partner_id"])
    assert customer in [f["partner_id"][0] for f in followers]
    assert read1(api, "project.task", task, "stage_id")["stage_id"][1] == "Done"

    # One email for one move to Done.
    time.sleep(0.5)
    assert len(sink.received(CUSTOMER_EMAIL)) == 1


def test_send_email_as_an_email_is_no_post_but_its_reply_finds_the_task(server_factory, sink):
    server = mail_server(server_factory, sink.url)
    api = server.client()
    task, customer = customer_task(api)
    done_rule(api, template(api, auto_delete=False), method="email")
    before = len(task_messages(api, task))
    assert move_to_done(api, task)[0] == 200

    [(_envelope, _raw, msg)] = sink.wait_for(CUSTOMER_EMAIL)
    assert msg["Subject"] == "Done: Lighting plan"
    [mail] = api.ok("mail.mail", "search_read", domain=[["model", "=", "project.task"], ["res_id", "=", task]],
                    fields=["state", "message_id", "subject", "failure_reason"])
    mail = eventually(lambda: [m for m in api.ok("mail.mail", "read", ids=[mail["id"]],
                                                 fields=["state", "message_id", "failure_reason"])
                               if m["state"] == "sent"], "the mail.mail to be sent")[0]
    assert mail["message_id"] == msg["Message-ID"]
    assert mail["failure_reason"] is False
    # Not a post (no comment, no notification): the email's own record, of type email_outgoing.
    messages = task_messages(api, task)
    assert len(messages) == before + 1
    [outgoing] = task_messages(api, task, message_type="email_outgoing")
    assert outgoing["message_id"] == msg["Message-ID"]
    assert notifications(api, outgoing["id"], customer) == []

    # The customer's answer finds the task through it.
    r = mailgate(server, reply_to(msg, "Thanks!"), "--smtp-url", sink.url)
    assert r.returncode == 0, r.stderr.decode()
    [got] = task_messages(api, task, message_type="email")
    assert got["author_id"][0] == customer
    assert got["parent_id"][0] == outgoing["id"]


# --- 2. The customer's reply comes back ----------------------------------------------------------


def test_a_reply_through_mailgate_lands_on_the_task_and_fires_the_incoming_rule(server_factory, sink):
    server = mail_server(server_factory, sink.url)
    api = server.client()
    task, customer = customer_task(api)
    done_rule(api, template(api))
    replies_counter(api)
    assert move_to_done(api, task)[0] == 200
    [(_envelope, _raw, sent)] = sink.wait_for(CUSTOMER_EMAIL)
    [ours] = task_messages(api, task, message_type="auto_comment")

    reply = reply_to(sent, "Thank you, the lights look great!\nZoë")
    r = mailgate(server, reply, "--smtp-url", sink.url)
    assert r.returncode == 0, r.stderr.decode()
    assert f"posted project.task #{task}".encode() in r.stdout

    [got] = task_messages(api, task, message_type="email")
    assert got["author_id"][0] == customer
    assert CUSTOMER_EMAIL in got["email_from"]
    assert got["parent_id"][0] == ours["id"]
    assert got["subject"] == "Re: Done: Lighting plan"
    assert "the lights look great!" in got["body"]
    assert got["message_id"] == email.message_from_bytes(reply, policy=email.policy.default)["Message-ID"]
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 1

    # The same message again (the mail server delivered it twice): taken, not posted again.
    again = mailgate(server, reply, "--smtp-url", sink.url)
    assert again.returncode == 0, again.stderr.decode()
    assert len(task_messages(api, task, message_type="email")) == 1
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 1

    # What a mail server's pipe gives: an mbox "From " line first, bare LF line ends; a client
    # that only keeps our Message-Id in References.
    piped = email.message_from_bytes(reply_to(sent, "Piped answer"), policy=email.policy.SMTP)
    del piped["In-Reply-To"]
    piped["In-Reply-To"] = "<something-else@customer.example.com>"
    del piped["References"]
    piped["References"] = f"<older@customer.example.com> {sent['Message-ID']}"
    data = b"From zoe.angstrom@example.com Mon Nov 30 09:00:00 2026\n" + piped.as_bytes().replace(b"\r\n", b"\n")
    r = mailgate(server, data, "--smtp-url", sink.url)
    assert r.returncode == 0, r.stderr.decode()
    assert [m["subject"] for m in task_messages(api, task, message_type="email")] == ["Re: Done: Lighting plan"] * 2
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 2


def test_a_reply_through_http_is_routed_the_same_way(server_factory, sink):
    api = mail_server(server_factory, sink.url).client()
    task, customer = customer_task(api)
    done_rule(api, template(api))
    replies_counter(api)
    assert move_to_done(api, task)[0] == 200
    [(_envelope, _raw, sent)] = sink.wait_for(CUSTOMER_EMAIL)

    status, body = inbound(api, reply_to(sent, "One more thing: the spare bulbs?"))
    assert status == 200, body
    assert body["result"] == "posted" and body["model"] == "project.task" and body["res_id"] == task
    posted = read1(api, "mail.message", body["message_id"], "model", "res_id", "message_type", "author_id")
    assert (posted["model"], posted["res_id"], posted["message_type"]) == ("project.task", task, "email")
    assert posted["author_id"][0] == customer
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 1

    # A second reply is a second message and fires the rule again.
    status, body = inbound(api, reply_to(sent, "And the dimmer switch."))
    assert status == 200, body
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 2
    assert len(task_messages(api, task, message_type="email")) == 2

    # Only an administrator's key delivers mail: an internal user's is refused (403), no key or a
    # wrong one too (401), and nothing is posted.
    [uid] = api.ok("res.users", "create", vals_list=[{"name": "Ivy Internal", "login": "ivy"}])
    ivy_key = api.ok("res.users.apikeys", "generate", name="ivy's key", user_id=uid)
    status, body = inbound(api, reply_to(sent, "from ivy"), key=ivy_key)
    assert status == 403, body
    status, _, _ = api.request("POST", "/mail/inbound", reply_to(sent, "no key"), {})
    assert status == 401
    status, _ = inbound(api, reply_to(sent, "wrong key"), key="f" * 40)
    assert status == 401
    assert len(task_messages(api, task, message_type="email")) == 2


def test_a_failing_incoming_rule_keeps_the_message_for_later_instead_of_bouncing_it(server_factory, sink):
    # A broken "on incoming message" rule is the receiver's problem: the mail server must keep the
    # reply and deliver it again (75, EX_TEMPFAIL; HTTP 500), not bounce it to the customer as a
    # malformed message (65; 400). Once the rule is fixed, the same message goes through.
    server = mail_server(server_factory, sink.url)
    api = server.client()
    task, customer = customer_task(api)
    done_rule(api, template(api))
    rule = api.ok("base.automation", "create", vals_list=[{
        "name": "Broken on replies", "model_name": "project.task", "trigger": "on_message_received",
        "action_server_ids": [[0, 0, {"name": "oops", "state": "code", "code": "raise UserError('not today')"}]]}])[0]
    assert move_to_done(api, task)[0] == 200
    [(_envelope, _raw, sent)] = sink.wait_for(CUSTOMER_EMAIL)
    reply = reply_to(sent, "Here is my answer")

    r = mailgate(server, reply)
    assert r.returncode == 75, (r.returncode, r.stderr)
    assert b"not today" in r.stderr and b"Broken on replies" in r.stderr
    status, body = inbound(api, reply)
    assert status == 500, body
    assert_error((status, body), 500, "odoo.exceptions.UserError", "not today")
    assert body["context"]["base_automation"] == {"id": rule, "name": "Broken on replies"}
    assert task_messages(api, task, message_type="email") == []

    action = read1(api, "base.automation", rule, "action_server_ids")["action_server_ids"][0]
    api.ok("ir.actions.server", "write", ids=[action], vals={"code": "record.write({'priority': '1'})"})
    r = mailgate(server, reply)
    assert r.returncode == 0, r.stderr
    [got] = task_messages(api, task, message_type="email")
    assert got["author_id"][0] == customer
    assert read1(api, "project.task", task, "priority")["priority"] == "1"


def test_a_message_for_nobody_is_refused_and_nothing_is_posted(server_factory, sink):
    server = mail_server(server_factory, sink.url)
    api = server.client()
    count = api.ok("mail.message", "search_count", domain=[])

    data, message_id = stray_message()
    r = mailgate(server, data)
    assert r.returncode == 67, (r.returncode, r.stderr)
    assert b"No possible route" in r.stderr
    status, body = inbound(api, data)
    assert status == 404, body
    assert body["result"] == "no_route" and "No possible route" in body["message"]

    assert api.ok("mail.message", "search_count", domain=[["message_id", "=", message_id]]) == 0
    assert api.ok("mail.message", "search_count", domain=[]) == count
    assert "No possible route" in server.output()  # refused with a log line, never dropped silently


def test_garbage_is_refused_and_the_server_keeps_answering(server_factory, sink):
    server = mail_server(server_factory, sink.url)
    api = server.client()
    count = api.ok("mail.message", "search_count", domain=[])
    for junk in (b"", b"\x00\x01\x02 not an email at all \xff\xfe", b"just some words\r\n\r\nand more"):
        r = mailgate(server, junk)
        assert r.returncode not in (0, 67), (junk, r.returncode)
        assert r.returncode == 65, (junk, r.returncode, r.stderr)  # EX_DATAERR: the sender is told
        assert r.stderr.strip(), junk
        status, body = inbound(api, junk)
        assert status == 400, (junk, status, body)
        assert_error((status, body), 400)
    assert api.ok("mail.message", "search_count", domain=[]) == count
    assert api.get("/health")[0] == 200


# --- 3. SMTP failures -----------------------------------------------------------------------------


def test_a_server_down_then_up_gets_the_email_once_it_accepts(server_factory, sink_factory):
    # The SMTP server's port is known, then it stops: the first attempts meet a closed port.
    sink = sink_factory("down")
    port = sink.port
    sink.stop()
    api = mail_server(server_factory, sink.url).client()
    task, customer = customer_task(api)
    done_rule(api, template(api))
    assert move_to_done(api, task)[0] == 200
    [posted] = task_messages(api, task, message_type="auto_comment")

    # The email waits in the outbox, retried: still outgoing, the reason of the last failure kept.
    def failed_once():
        rows = api.ok("mail.mail", "search_read", domain=[["mail_message_id", "=", posted["id"]]],
                      fields=["state", "failure_reason"])
        return rows and rows[0]["failure_reason"] and rows[0]
    mail = eventually(failed_once, "a failed first attempt")
    assert mail["state"] == "outgoing"
    attempts = api.ok("outbox.message", "search_read", domain=[["res_model", "=", "mail.mail"],
                                                                ["res_id", "=", mail["id"]]],
                      fields=["state", "attempts"])
    assert attempts[0]["state"] in ("pending", "sending") and attempts[0]["attempts"] >= 1

    # The server comes back on the same port: the next retry delivers, once.
    up = sink_factory("up", port=port)
    [(_envelope, _raw, msg)] = up.wait_for(CUSTOMER_EMAIL)
    assert msg["Subject"] == "Done: Lighting plan"
    eventually(lambda: [n for n in notifications(api, posted["id"], customer) if n["notification_status"] == "sent"],
               "the notification to be sent")
    out = eventually(lambda: [m for m in api.ok("outbox.message", "read", ids=[attempts[0]["id"]],
                                                fields=["state", "attempts"]) if m["state"] == "delivered"],
                     "the outbox message to be delivered")[0]
    assert out["attempts"] >= 2
    time.sleep(0.5)
    assert len(up.received(CUSTOMER_EMAIL)) == 1


def test_a_deferring_server_is_retried_until_it_accepts(server_factory, sink_factory, tmp_path):
    # The server answers 451 to the end of every message until the control file is emptied.
    control = tmp_path / "control"
    control.write_text("message:451:0\n")
    sink = sink_factory(extra_args=["--control", str(control)])
    api = mail_server(server_factory, sink.url).client()
    task, _customer = customer_task(api)
    done_rule(api, template(api, auto_delete=False), method="email")
    assert move_to_done(api, task)[0] == 200

    def deferred():
        rows = api.ok("mail.mail", "search_read", domain=[["model", "=", "project.task"], ["res_id", "=", task]],
                      fields=["state", "failure_reason"])
        return rows and rows[0]["failure_reason"] and rows[0]
    mail = eventually(deferred, "the first 451")
    assert mail["state"] == "outgoing"
    assert "451" in mail["failure_reason"]
    assert sink.received(CUSTOMER_EMAIL) == []

    tmp = tmp_path / "control.tmp"
    tmp.write_text("")
    os.replace(tmp, control)
    sink.wait_for(CUSTOMER_EMAIL)
    eventually(lambda: read1(api, "mail.mail", mail["id"], "state")["state"] == "sent", "the mail to be sent")
    assert read1(api, "mail.mail", mail["id"], "failure_reason")["failure_reason"] is False
    time.sleep(0.5)
    assert len(sink.received(CUSTOMER_EMAIL)) == 1


def test_a_refused_recipient_fails_for_good_and_the_rest_of_the_rule_stands(server_factory, sink):
    api = mail_server(server_factory, sink.url).client()
    task, customer = customer_task(api, email_address="reject550@example.com", name="Rémi Refusé")
    other = api.ok("res.partner", "create", vals_list=[{"name": "Other Customer", "email": "other@example.com"}])[0]
    done_rule(api, template(api, partner_to="{{ object.partner_id.id }}," + str(other)),
              extra_actions=[[0, 0, {"name": "prio", "state": "object_write", "update_path": "priority",
                                     "evaluation_type": "value", "value": "1"}]])
    assert move_to_done(api, task)[0] == 200
    [posted] = task_messages(api, task, message_type="auto_comment")

    # The other recipient gets it; the refused one's mail ends in exception with the server's
    # answer, not retried.
    sink.wait_for("other@example.com")
    mail = eventually(lambda: [m for m in api.ok(
        "mail.mail", "search_read", domain=[["mail_message_id", "=", posted["id"]], ["state", "=", "exception"]],
        fields=["state", "failure_type", "failure_reason", "recipient_ids"])], "the refused mail's exception")[0]
    assert mail["recipient_ids"] == [customer]
    assert mail["failure_type"] == "mail_email_invalid"
    assert "550" in mail["failure_reason"] and "reject550@example.com" in mail["failure_reason"]
    [note] = notifications(api, posted["id"], customer)
    assert note["notification_status"] == "exception" and note["failure_type"] == "mail_email_invalid"
    [out] = api.ok("outbox.message", "search_read", domain=[["res_model", "=", "mail.mail"], ["res_id", "=", mail["id"]]],
                   fields=["state", "attempts"])
    assert out["state"] == "failed" and out["attempts"] == 1
    time.sleep(1.0)  # several retry periods (0.2 s): still one attempt
    assert read1(api, "outbox.message", out["id"], "attempts")["attempts"] == 1
    assert sink.received("reject550@example.com") == []

    # The rest of the rule's work stands: the task is done, the message posted, the other action ran.
    row = read1(api, "project.task", task, "stage_id", "priority")
    assert row["stage_id"][1] == "Done" and row["priority"] == "1"


# --- 4. Hostile input -----------------------------------------------------------------------------


def test_a_template_that_does_not_render_sends_nothing_and_says_why(server_factory, sink):
    api = mail_server(server_factory, sink.url).client()
    task, _customer = customer_task(api)
    done_rule(api, template(api, name="Broken", subject="Done: {{ object.nope }}"))
    before = task_messages(api, task)
    mails = api.ok("mail.mail", "search_count", domain=[])
    queued = api.ok("outbox.message", "search_count", domain=[])
    body = assert_error(move_to_done(api, task), 422, "odoo.exceptions.UserError", "Failed to render",
                        "Broken", "nope")
    assert body["context"]["base_automation"]["name"] == "Tell the customer"  # the rule is named
    # The whole call changed nothing: the task is not done, nothing posted or queued.
    assert read1(api, "project.task", task, "stage_id")["stage_id"][1] == "In Progress"
    assert task_messages(api, task) == before
    assert api.ok("mail.mail", "search_count", domain=[]) == mails
    assert api.ok("outbox.message", "search_count", domain=[]) == queued
    time.sleep(0.5)
    assert sink.received(CUSTOMER_EMAIL) == []


def test_a_huge_message_is_refused_and_the_server_keeps_answering(server_factory, sink):
    server = mail_server(server_factory, sink.url, "--max-body-size", "1M")
    api = server.client()
    huge = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\n\r\n" + b"x" * (2 << 20)
    status, _ = inbound(api, huge)
    assert status == 413
    # Within the body limit but more headers than a message may have.
    many_headers = b"".join(b"X-H%d: v\r\n" % i for i in range(20000)) + b"From: a@example.com\r\n\r\nhi\r\n"
    assert len(many_headers) < (1 << 20)
    status, body = inbound(api, many_headers)
    assert status == 400, body
    assert "headers" in body["message"]
    assert api.get("/health")[0] == 200
    assert api.ok("res.partner", "search_count", domain=[]) > 0

    # mailgate refuses what is larger than 25 MiB before reading the database.
    r = mailgate(server, b"From: a@example.com\r\n\r\n" + b"y" * ((25 << 20) + 10))
    assert r.returncode == 65, (r.returncode, r.stderr)
    assert b"larger than 25 MiB" in r.stderr


def test_incoming_html_is_sanitized_and_automatic_mail_fires_no_rule(server_factory, sink):
    api = mail_server(server_factory, sink.url).client()
    task, _customer = customer_task(api)
    done_rule(api, template(api))
    replies_counter(api)
    assert move_to_done(api, task)[0] == 200
    [(_envelope, _raw, sent)] = sink.wait_for(CUSTOMER_EMAIL)

    # An auto-responder's answer is posted, but fires no rule (two robots cannot answer each
    # other for ever).
    auto = email.message_from_bytes(reply_to(sent, "I am out of the office."), policy=email.policy.SMTP)
    auto["Auto-Submitted"] = "auto-replied"
    status, body = inbound(api, auto.as_bytes())
    assert status == 200 and body["result"] == "posted", body
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 0

    # HTML from outside is sanitized: its formatting is kept, never a script, a handler or a
    # javascript: link.
    hostile = email.message_from_bytes(reply_to(sent, "plain part"), policy=email.policy.SMTP)
    hostile.add_alternative('<p>Looks <b>great</b>!<script>alert("x")</script>'
                            '<img src="x" onerror="alert(1)"> &lt;i&gt;escaped&lt;/i&gt;'
                            '<a href="jav&#x09;ascript:alert(2)">link</a></p>', subtype="html")
    status, body = inbound(api, hostile.as_bytes())
    assert status == 200 and body["result"] == "posted", body
    stored = read1(api, "mail.message", body["message_id"], "body")["body"]
    assert "<b>great</b>" in stored, stored
    for bad in ("<script", "alert", "onerror", "javascript", "<i>"):
        assert bad not in stored, (bad, stored)
    assert "&lt;i&gt;escaped" in stored
    assert read1(api, "project.task", task, "x_replies")["x_replies"] == 1


def test_a_sender_posting_too_fast_is_refused_as_a_loop(server_factory, sink):
    server = mail_server(server_factory, sink.url)
    api = server.client()
    status, _ = api.call_with("ir.config_parameter", "set_param",
                              {"key": "mail.gateway.loop.threshold", "value": "2"})
    assert status == 200
    task, _customer = customer_task(api)
    done_rule(api, template(api))
    assert move_to_done(api, task)[0] == 200
    [(_envelope, _raw, sent)] = sink.wait_for(CUSTOMER_EMAIL)

    for n in range(2):
        status, body = inbound(api, reply_to(sent, f"answer {n}"))
        assert status == 200, body
    status, body = inbound(api, reply_to(sent, "answer 3"))
    assert status == 429 and body["result"] == "loop", body
    r = mailgate(server, reply_to(sent, "answer 4"))
    assert r.returncode == 77, (r.returncode, r.stderr)
    assert b"mail loop" in r.stderr
    assert len(task_messages(api, task, message_type="email")) == 2
