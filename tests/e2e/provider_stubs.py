"""Stand-ins for the providers autorules talks to, each a real HTTP server on 127.0.0.1 that speaks
the provider's wire format as its documentation gives it: requests are checked the way the
provider checks them, answers have its shape, and its callbacks are signed its way.

- TwilioStub: the Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded,
  basic auth) answering 201 with a message resource, Twilio's error bodies ({"code", "message",
  "more_info", "status"}) otherwise; and twilio_signature() / post_status() for the status
  callbacks Twilio sends (X-Twilio-Signature, HMAC-SHA1).
- JsonSmsStub: a plain JSON SMS webhook ({to, body, reference}, bearer token).
- MetaStub: Meta's WhatsApp Cloud API (POST /{version}/{phone_number_id}/messages, a template
  message, bearer token) answering with the message's wamid, the Graph API's error bodies
  otherwise; and the webhook calls Meta makes (X-Hub-Signature-256, HMAC-SHA256).
- ChatStub: an OpenAI-compatible /v1/chat/completions answering with a chat completion whose
  message content the test decides.
"""

import base64
import hashlib
import hmac
import http.server
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


class _Stub:
    """A threaded HTTP server whose handler is self.handle(method, path, headers, body) ->
    (status, body dict or bytes); records every request."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.script = []  # answers to give before the normal one: (status, body) or a delay (float)
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                req = {"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": body}
                with stub.lock:
                    stub.requests.append(req)
                    scripted = stub.script.pop(0) if stub.script else None
                if isinstance(scripted, float):
                    time.sleep(scripted)
                    scripted = None
                status, answer = scripted if scripted else stub.handle(req)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _any
            do_GET = _any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, n, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.05)
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _error(status, code, message):
    return status, {"code": code, "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class TwilioStub(_Stub):
    """Twilio's Messages API for one account."""

    def __init__(self, account_sid="AC" + "0123456789abcdef" * 2, auth_token="twilio-auth-token-1"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages = []  # the resources created
        super().__init__()

    def handle(self, req):
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if req["method"] != "POST" or req["path"] != path:
            return _error(404, 20404, "The requested resource was not found")
        auth = req["headers"].get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if auth != expected:
            return _error(401, 20003, "Authenticate")
        if not req["headers"].get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _error(400, 20001, "Unsupported content type")
        form = dict(urllib.parse.parse_qsl(req["body"].decode(), keep_blank_values=True, strict_parsing=True))
        to = form.get("To", "")
        if not to.startswith("+") or not to[1:].isdigit() or not 8 <= len(to) <= 16:
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "The 'From' phone number is required.")
        if not form.get("Body"):
            return _error(400, 21602, "Message body is required.")
        sid = "SM" + secrets.token_hex(16)
        resource = {"sid": sid, "account_sid": self.account_sid, "to": to, "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"],
                    "status": "queued", "num_segments": "1", "direction": "outbound-api",
                    "api_version": "2010-04-01", "error_code": None, "error_message": None,
                    "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
                    "status_callback": form.get("StatusCallback")}
        with self.lock:
            self.messages.append({**resource, "form": form})
        return 201, resource

    def signature(self, url, params):
        return twilio_signature(self.auth_token, url, params)

    def post_status(self, message, status, error_code=None, signature=None, url=None):
        """Sends the status callback Twilio sends for `message` (a created resource); returns
        (HTTP status, body)."""
        params = {"MessageSid": message["sid"], "SmsSid": message["sid"], "AccountSid": self.account_sid,
                  "MessageStatus": status, "SmsStatus": status, "To": message["to"],
                  "From": message["from"] or "", "ApiVersion": "2010-04-01"}
        if error_code:
            params["ErrorCode"] = str(error_code)
        url = url or message["status_callback"]
        sig = signature if signature is not None else self.signature(url, params)
        body = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig,
            "User-Agent": "TwilioProxy/1.1"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def twilio_signature(auth_token, url, params):
    """Twilio's request signature: base64(HMAC-SHA1(auth token, URL + each POST parameter's name
    and value, sorted by name))."""
    data = url + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


class JsonSmsStub(_Stub):
    """A JSON SMS gateway: POST / with {to, body, reference} and a bearer token; answers
    {"id": ...}."""

    def __init__(self, token="gateway-token-1"):
        self.token = token
        super().__init__()

    def handle(self, req):
        if req["headers"].get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "bad token"}
        try:
            payload = json.loads(req["body"])
        except ValueError:
            return 400, {"error": "not JSON"}
        if set(payload) != {"to", "body", "reference"}:
            return 400, {"error": "unexpected fields"}
        return 200, {"id": "gw-" + payload["reference"][:8]}


class MetaStub(_Stub):
    """Meta's WhatsApp Cloud API for one phone number: POST /{version}/{phone_number_id}/messages
    with a bearer token and a template message; answers as the Graph API does. It knows the
    templates approved for the account (name -> (language, number of body parameters)) and, as
    Meta, calls the webhook: signed status updates and incoming messages (post_status,
    post_incoming)."""

    def __init__(self, phone_number_id="109876543210", token="meta-access-token-1",
                 app_secret="meta-app-secret-1", templates=None):
        self.phone_number_id = phone_number_id
        self.token = token
        self.app_secret = app_secret
        self.templates = templates or {"order_ready": ("en_US", 2)}
        self.messages = []  # the accepted requests' JSON, with their wamid
        super().__init__()

    def handle(self, req):
        if req["method"] != "POST" or not req["path"].endswith(f"/{self.phone_number_id}/messages"):
            return _meta_error(404, 100, "Unsupported post request.")
        if req["headers"].get("authorization") != f"Bearer {self.token}":
            return _meta_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        try:
            payload = json.loads(req["body"])
        except ValueError:
            return _meta_error(400, 100, "Invalid parameter")
        if payload.get("messaging_product") != "whatsapp" or payload.get("type") != "template":
            return _meta_error(400, 100, "Invalid parameter")
        to = payload.get("to", "")
        if not to.isdigit() or not 8 <= len(to) <= 15:
            return _meta_error(400, 131026, "Message undeliverable")
        tmpl = payload.get("template", {})
        known = self.templates.get(tmpl.get("name"))
        if not known or tmpl.get("language", {}).get("code") != known[0]:
            return _meta_error(404, 132001, "Template name does not exist in the translation")
        params = []
        for c in tmpl.get("components", []):
            if c.get("type") == "body":
                params = c.get("parameters", [])
        if len(params) != known[1] or any(p.get("type") != "text" or not p.get("text") for p in params):
            return _meta_error(400, 132000, "Number of parameters does not match the expected number of params")
        for p in params:
            if "\n" in p["text"] or "\t" in p["text"] or "     " in p["text"]:
                return _meta_error(400, 132018, "There was an issue with the parameters in your template.")
        wamid = "wamid." + base64.b64encode(secrets.token_bytes(24)).decode()
        with self.lock:
            self.messages.append({**payload, "wamid": wamid})
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                     "messages": [{"id": wamid}]}

    def _value(self, **fields):
        return {"messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001234", "phone_number_id": self.phone_number_id},
                **fields}

    def payload(self, value):
        return {"object": "whatsapp_business_account",
                "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}

    def status_payload(self, wamid, status, to, error_code=None):
        st = {"id": wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": to}
        if error_code:
            st["errors"] = [{"code": error_code, "title": "Message undeliverable."}]
        return self.payload(self._value(statuses=[st]))

    def incoming_payload(self, sender, text, context_id=None, wamid=None, name="Ann"):
        msg = {"from": sender, "id": wamid or "wamid.in" + secrets.token_hex(12),
               "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}
        if context_id:
            msg["context"] = {"from": "15550001234", "id": context_id}
        return self.payload(self._value(contacts=[{"profile": {"name": name}, "wa_id": sender}], messages=[msg]))

    def call_webhook(self, url, payload, secret=None, signature=None):
        """POSTs a webhook call as Meta does: the raw JSON, X-Hub-Signature-256 with the app
        secret (or the one given); returns (HTTP status, body)."""
        body = json.dumps(payload).encode()
        sig = signature if signature is not None else "sha256=" + hmac.new(
            (secret or self.app_secret).encode(), body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sig,
            "User-Agent": "facebookexternalua"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def _meta_error(status, code, message):
    return status, {"error": {"message": message, "type": "OAuthException", "code": code,
                              "fbtrace_id": secrets.token_hex(8)}}


class ChatStub(_Stub):
    """An OpenAI-compatible chat-completions endpoint (POST /v1/chat/completions), as OpenAI,
    Ollama, vLLM and llama.cpp's server speak it. `answer(request_json)` gives the assistant's
    message content (a string), or a (status, body) pair; the default answers {"value": null}.
    Requests may be held until release() (a model still thinking)."""

    def __init__(self, key="sk-test-key-1", answer=None):
        self.key = key
        self.answer = answer or (lambda req: json.dumps({"value": None}))
        self.held = threading.Event()
        self.held.set()
        super().__init__()

    def hold(self):
        self.held.clear()

    def release(self):
        self.held.set()

    def handle(self, req):
        self.held.wait(30)
        if req["method"] != "POST" or req["path"] != "/v1/chat/completions":
            return 404, {"error": {"message": "Not found", "type": "invalid_request_error"}}
        if self.key and req["headers"].get("authorization") != f"Bearer {self.key}":
            return 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                   "code": "invalid_api_key"}}
        try:
            payload = json.loads(req["body"])
        except ValueError:
            return 400, {"error": {"message": "We could not parse the JSON body", "type": "invalid_request_error"}}
        got = self.answer(payload)
        if isinstance(got, tuple):
            return got
        return 200, {"id": "chatcmpl-" + secrets.token_hex(8), "object": "chat.completion",
                     "created": int(time.time()), "model": payload.get("model"),
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": got, "refusal": None},
                                  "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}

    def close(self):
        self.release()
        super().close()
