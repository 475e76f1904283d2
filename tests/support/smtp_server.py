#!/usr/bin/python3
"""A test SMTP server (Debian's python3-aiosmtpd) for autorules' tests, C++ and end-to-end.

It listens on 127.0.0.1, on a port the system chooses (or --port), and prints that port alone on
one line of stdout once it accepts connections. It stops on SIGTERM or SIGINT. Run it with
/usr/bin/python3 (the interpreter that has aiosmtpd).

Everything it receives goes to DIR (the one positional argument):
  DIR/NNNNNN.eml   each message's bytes as received after DATA (dot-stuffing undone, CRLF line
                   ends kept), NNNNNN counting from 000001 in order of arrival;
  DIR/NNNNNN.json  its envelope: {"mail_from", "rcpt_tos", "session" (the connection's number),
                   "tls" (STARTTLS or implicit TLS), "auth_user" (null without AUTH)}; written
                   after the .eml, by a rename: a message is complete once its .json exists;
  DIR/connections.jsonl  one line per connection: {"session", "peer", "greeting" (the code)}.

Behaviour tests can choose:
  - recipients whose local part starts with reject<code> or defer<code> (reject550@x,
    defer450@x, defer452-2@x) are refused at RCPT with that code and an explanation;
  - --reply STAGE:CODE[:COUNT[:TEXT]] (repeatable): the next COUNT (default 1; 0 means always)
    commands of STAGE are answered with CODE (and TEXT) instead of being processed. STAGE is
    connect (the greeting; the connection is closed after a 4xx or 5xx greeting), mail, rcpt,
    data (the DATA command itself) or message (the end of the message, after its bytes);
  - --control FILE: the same entries, one per line, read again whenever the file is replaced or
    changed; its entries then replace the ones still pending. Write it to a temporary name and
    rename it into place so that it is never read half-written;
  - --auth-user USER --auth-password PASSWORD: AUTH PLAIN and LOGIN with these credentials
    (allowed without TLS unless --auth-require-tls); --auth-required refuses MAIL before AUTH;
  - --tls-cert CERT --tls-key KEY: STARTTLS with that certificate (e.g. a self-signed one from
    `openssl req -x509`); with --implicit-tls the listener speaks TLS from the start (smtps) and
    offers no STARTTLS; --require-starttls refuses other commands before STARTTLS.
"""

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException, syntax

STAGES = ("connect", "mail", "rcpt", "data", "message")

# Texts for the codes tests use most; others get a generic one.
TEXTS = {
    421: "4.3.2 Service not available, closing transmission channel",
    450: "4.2.0 Mailbox unavailable, try again later",
    451: "4.3.0 Local error in processing, try again later",
    452: "4.5.3 Too many recipients, try again later",
    550: "5.1.1 Mailbox unavailable",
    552: "5.3.4 Message too big",
    553: "5.1.3 Mailbox name not allowed",
    554: "5.7.1 Transaction failed",
}

RECIPIENT_RULE = re.compile(r"^(reject|defer)(\d{3})", re.IGNORECASE)


def default_text(code):
    return TEXTS.get(code, "%d.0.0 Chosen by the test" % (code // 100))


def parse_entry(text):
    """STAGE:CODE[:COUNT[:TEXT]] -> (stage, code, count, text)."""
    parts = text.strip().split(":", 3)
    if len(parts) < 2 or parts[0] not in STAGES:
        raise ValueError("not STAGE:CODE[:COUNT[:TEXT]] with STAGE in %s: %r" % (STAGES, text))
    code = int(parts[1])
    if not 200 <= code <= 599:
        raise ValueError("a reply code is between 200 and 599: %r" % text)
    count = int(parts[2]) if len(parts) > 2 and parts[2] else 1
    reply = parts[3] if len(parts) > 3 else default_text(code)
    return parts[0], code, count, reply


class Script:
    """The chosen replies still to give, by stage; thread-safe (the control file is read here)."""

    def __init__(self, entries, control):
        self._lock = threading.Lock()
        self._pending = [list(e) for e in entries]
        self._control = control
        self._control_seen = None

    def _reload(self):
        if not self._control:
            return
        try:
            st = os.stat(self._control)
        except FileNotFoundError:
            return
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen == self._control_seen:
            return
        self._control_seen = seen
        with open(self._control, encoding="utf-8") as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
        self._pending = [list(parse_entry(line)) for line in lines]

    def take(self, stage):
        """The reply chosen for the next command of `stage`, as "CODE TEXT", or None."""
        with self._lock:
            self._reload()
            for entry in self._pending:
                if entry[0] != stage:
                    continue
                if entry[2] == 1:
                    self._pending.remove(entry)
                elif entry[2] > 1:
                    entry[2] -= 1
                return "%d %s" % (entry[1], entry[3])
            return None


class Store:
    """Writes messages and connections to the directory; thread-safe."""

    def __init__(self, directory):
        self._dir = directory
        self._lock = threading.Lock()
        self._messages = 0
        self._sessions = 0

    def new_session(self, peer, greeting):
        with self._lock:
            self._sessions += 1
            n = self._sessions
            with open(os.path.join(self._dir, "connections.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps({"session": n, "peer": list(peer or ()),
                                    "greeting": greeting}) + "\n")
            return n

    def message(self, envelope, content, session_number, tls, auth_user):
        with self._lock:
            self._messages += 1
            base = os.path.join(self._dir, "%06d" % self._messages)
        with open(base + ".eml", "wb") as f:
            f.write(content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "session": session_number, "tls": tls, "auth_user": auth_user}
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.replace(base + ".json.tmp", base + ".json")


class TestSMTP(SMTP):
    """aiosmtpd's SMTP with a connection number and the scripted greeting and DATA reply."""

    def __init__(self, handler, owner, **kwargs):
        super().__init__(handler, **kwargs)
        self._owner = owner
        self.number = 0

    async def _handle_client(self):
        owner = self._owner
        chosen = owner.script.take("connect") if owner.ready else None
        if owner.ready:
            greeting = int(chosen[:3]) if chosen else 220
            self.number = owner.store.new_session(self.session.peer, greeting)
        if chosen and not chosen.startswith("2"):
            await self.push(chosen)
            self.transport.close()
            return
        await super()._handle_client()

    @syntax("DATA")
    async def smtp_DATA(self, arg):
        chosen = self._owner.script.take("data") if self._owner.ready else None
        if chosen and not chosen.startswith("3"):
            await self.push(chosen)
            return
        await super().smtp_DATA(arg)


class Handler:
    def __init__(self, owner):
        self._owner = owner

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):
            # A client that refuses the certificate (as strict clients refuse a self-signed one):
            # one line, not aiosmtpd's traceback.
            print("smtp_server: a TLS handshake failed: %s" % (error.__cause__ or error),
                  file=sys.stderr, flush=True)
            return "454 4.7.0 TLS not available"
        logging.getLogger("mail.log").exception("SMTP session exception")
        return "500 Error: (%s) %s" % (error.__class__.__name__, error)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        chosen = self._owner.script.take("mail")
        if chosen and not chosen.startswith("2"):
            return chosen
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return chosen or "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = RECIPIENT_RULE.match(address)
        if rule:
            code = int(rule.group(2))
            what = "rejected" if rule.group(1).lower() == "reject" else "deferred"
            return "%d %d.1.1 <%s>: Recipient address %s by the test" % (
                code, code // 100, address, what)
        chosen = self._owner.script.take("rcpt")
        if chosen and not chosen.startswith("2"):
            return chosen
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return chosen or "250 OK"

    async def handle_DATA(self, server, session, envelope):
        chosen = self._owner.script.take("message")
        if chosen and not chosen.startswith("2"):
            return chosen
        auth_user = None
        if isinstance(session.auth_data, LoginPassword):
            auth_user = session.auth_data.login.decode("utf-8", "replace")
        # STARTTLS sets session.ssl; implicit TLS only shows on the transport.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self._owner.store.message(envelope, envelope.original_content, server.number, tls,
                                  auth_user)
        return chosen or "250 OK: queued"


class TestController(Controller):
    """A Controller on a port the system chooses (port 0), known once it listens."""

    def __init__(self, handler, owner, **kwargs):
        self._owner = owner
        super().__init__(handler, **kwargs)

    def factory(self):
        return TestSMTP(self.handler, self._owner, **self.SMTP_kwargs)

    async def _listen(self):
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context,
            reuse_address=True)
        self.port = server.sockets[0].getsockname()[1]
        return server

    def _create_server(self):
        return self._listen()


class Owner:
    """What the handler and the connections share: the script, the store, readiness."""

    def __init__(self, script, store):
        self.script = script
        self.store = store
        self.ready = False  # the controller's own start-up connection is not counted


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir", help="where messages and connections are written")
    p.add_argument("--port", type=int, default=0, help="0 (default): chosen by the system")
    p.add_argument("--reply", action="append", default=[], metavar="STAGE:CODE[:COUNT[:TEXT]]")
    p.add_argument("--control", help="a file of STAGE:CODE[:COUNT[:TEXT]] lines, read on change")
    p.add_argument("--auth-user")
    p.add_argument("--auth-password")
    p.add_argument("--auth-required", action="store_true")
    p.add_argument("--auth-require-tls", action="store_true")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--require-starttls", action="store_true")
    args = p.parse_args()

    warnings.simplefilter("ignore")  # aiosmtpd warns about AUTH without TLS, which tests want
    logging.basicConfig(level=logging.ERROR)
    os.makedirs(args.dir, exist_ok=True)
    try:
        entries = [parse_entry(e) for e in args.reply]
    except ValueError as e:
        p.error(str(e))
    owner = Owner(Script(entries, args.control), Store(args.dir))

    kwargs = {"hostname": "127.0.0.1", "port": args.port, "server_hostname": "autorules-test",
              "enable_SMTPUTF8": True, "auth_require_tls": args.auth_require_tls,
              "auth_required": args.auth_required}
    if args.auth_user is not None:
        user = args.auth_user.encode()
        password = (args.auth_password or "").encode()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user and
                  auth_data.password == password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kwargs["authenticator"] = authenticator
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.implicit_tls:
            kwargs["ssl_context"] = context
        else:
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = args.require_starttls
    elif args.implicit_tls or args.require_starttls:
        p.error("--implicit-tls and --require-starttls need --tls-cert and --tls-key")

    controller = TestController(Handler(owner), owner, **kwargs)
    controller.start()
    owner.ready = True
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    print(controller.port, flush=True)
    while not stopped.wait(1.0):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
