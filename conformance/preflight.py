"""One request before the suite starts: is the endpoint there, does it take our credentials and our project?

Why: every other result of a run is noise when the URL is dead or the credentials are refused. A user asked for a
certificate should get one clear line within seconds ("cannot connect to ...", "credentials refused ..."), not
minutes of identical failures. The request is ListCloudPhoneServers with ``limit=1``: read-only, cheap, and it
exercises the URL, the signature and the project at once. A documented transient answer (429 ``APIGW.0308``, 502,
503) is retried a few times with backoff, as the rest of the run does.
"""

from __future__ import annotations

import json
import time

import httpx

from conformance.settings import Settings
from conformance.target import remote_target
from conformance.transient import TRANSIENT_STATUSES

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
ATTEMPTS = 4


def _error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and body.get("error_code"):
        return f"HTTP {response.status_code} {body.get('error_code')} {str(body.get('error_msg', ''))[:120]!r}"
    return f"HTTP {response.status_code}"


def preflight(settings: Settings) -> str | None:
    """``None`` when the endpoint answers an authenticated read for the project; otherwise one line saying why not."""
    target = remote_target(settings)
    url = f"{target.base_url}/v1/{target.project_id}/cloud-phone/servers"
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    response = None
    with httpx.Client(auth=target.auth, timeout=timeout, trust_env=True) as client:
        for attempt in range(ATTEMPTS):
            try:
                response = client.get(url, params={"limit": 1})
            except httpx.ConnectError as exc:
                return f"cannot connect to {target.base_url}: {exc or type(exc).__name__}"
            except httpx.TimeoutException:
                return f"{target.base_url} did not answer within {READ_TIMEOUT:g} s"
            except httpx.HTTPError as exc:
                return f"request to {target.base_url} failed: {type(exc).__name__}: {exc}"
            if response.status_code not in TRANSIENT_STATUSES or attempt == ATTEMPTS - 1:
                break
            time.sleep(0.5 * 2**attempt)
    assert response is not None
    status = response.status_code
    if status == 200:
        return None
    what = _error(response)
    if status == 401:
        return f"{target.base_url} refused the credentials ({what}): check the AK/SK or token in the environment"
    if status == 403:
        return f"{target.base_url} denied access ({what}): the identity may not list servers of this project"
    if status in {400, 404}:
        return f"{target.base_url} does not accept project {target.project_id} ({what}): check --project-id"
    if status in TRANSIENT_STATUSES:
        return f"{target.base_url} kept answering {what} (transient, {ATTEMPTS} attempts): try again later"
    return f"{target.base_url} answered an authenticated ListCloudPhoneServers with {what}"
