#!/usr/bin/env python3
"""The credentials of the API fuzz runs (scripts/api-fuzz.sh), made against a running `finmart demo`.

    credentials.py ORIGIN token    prints a new API token of the demo bank (bank@finmart.demo)
    credentials.py ORIGIN session [LOGIN]  prints "COOKIE CSRF" of a new session of a demo account
                                           (default the SME, sme@finmart.demo)

The token is made as an institution's user makes one: signed in (POST /api/v1/session), then
POST /api/v1/tokens with the session's CSRF token. A session is made as a person signs in: the login page sets the
visitor's CSRF cookie and puts the same token in the form (double submit), the form is posted with both, and
the session's own CSRF token is read from GET /api/v1/session. Standard library only: it runs before, and
without, the fuzzer's virtual environment.
"""

import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request

PASSWORD = "Finmart2026"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keeps the 303 of a sign-in (and its Set-Cookie) as the answer."""

    def redirect_request(self, *args, **kwargs):
        return None


def opener():
    jar = http.cookiejar.CookieJar()
    return jar, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def call(open_, method, url, body=None, headers=None, form=False):
    data = None
    headers = dict(headers or {})
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with open_.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def expect(what, status, body, wanted):
    if status != wanted:
        sys.exit(f"credentials: {what} answered {status} (expected {wanted}): {body[:500]}")


def bank_token(origin):
    _, open_ = opener()
    status, body = call(open_, "POST", f"{origin}/api/v1/session", {"login": "bank@finmart.demo", "password": PASSWORD})
    expect("signing in as the demo bank", status, body, 200)
    csrf = json.loads(body)["csrf"]
    status, body = call(open_, "POST", f"{origin}/api/v1/tokens", {"name": "api fuzz"}, {"x-csrf-token": csrf})
    expect("creating an API token", status, body, 201)
    return json.loads(body)["secret"]


def session(origin, login):
    jar, open_ = opener()
    status, page = call(open_, "GET", f"{origin}/login")
    expect("the login page", status, page, 200)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    if not found:
        sys.exit("credentials: the login page has no CSRF field")
    form = {"csrf": found.group(1), "login": login, "password": PASSWORD}
    status, body = call(open_, "POST", f"{origin}/login", form, form=True)
    expect(f"signing in as {login} through the login form", status, body, 303)
    status, body = call(open_, "GET", f"{origin}/api/v1/session")
    expect("reading the new session", status, body, 200)
    session = next((c.value for c in jar if c.name == "finmart_session"), None)
    if not session:
        sys.exit("credentials: the sign-in set no session cookie")
    return f"finmart_session={session} {json.loads(body)['csrf']}"


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in ("token", "session"):
        sys.exit(__doc__)
    origin = sys.argv[1].rstrip("/")
    login = sys.argv[3] if len(sys.argv) == 4 else "sme@finmart.demo"
    print(bank_token(origin) if sys.argv[2] == "token" else session(origin, login))
