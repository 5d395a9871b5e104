"""Keys derived from the deployment's one secret: per-tenant token keys, code and ballot hashes,
survey respondents' option orders.

Deriving a key per tenant means a token signed for tenant A does not even verify on tenant B;
the ballot key turns (poll, person) into a stream id that nobody without the key can link back
to the person, which is how one vote per person is enforced without the vote naming the voter.
"""

from __future__ import annotations

import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path
from uuid import UUID

MIN_SECRET_BYTES = 32


class Keys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the signing secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret

    def _derive(self, purpose: str) -> bytes:
        return hmac.digest(self._secret, purpose.encode(), "sha256")

    @lru_cache(maxsize=4096)  # noqa: B019 - one Keys per process, keys are small
    def token_key(self, tenant_id: str) -> bytes:
        return self._derive(f"token:{tenant_id}")

    @property
    def platform_token_key(self) -> bytes:
        return self.token_key("\x00platform")

    @lru_cache(maxsize=4096)  # noqa: B019
    def _per_tenant(self, purpose: str, tenant_id: str) -> bytes:
        return self._derive(f"{purpose}:{tenant_id}")

    def _of_person_in(self, purpose: str, tenant_id: str, dialog_id: UUID, person: UUID) -> bytes:
        """A keyed hash of (dialog, person) under the tenant's key for ``purpose``: each
        purpose's key is unrelated to the others', so one value gives nothing away of another."""
        key = self._per_tenant(purpose, tenant_id)
        return hmac.digest(key, dialog_id.bytes + person.bytes, "sha256")

    def ballot_stream(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> UUID:
        """The one stream a person's ballot in a poll may be written to, unlinkable without key."""
        digest = self._of_person_in("ballot", tenant_id, dialog_id, person_id)
        return UUID(bytes=digest[:16], version=4)

    def budget_ballot_secret(self, tenant_id: str) -> bytes:
        """The key of a tenant's participatory budget ballots' stream ids (keyed hashes of
        round, person and district, ``services.budgeting.domain.ballot_key``): unrelated to
        every other key, so a stream id names nobody to whoever lacks it."""
        return self._per_tenant("budget-ballot", tenant_id)

    def response_stream(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> UUID:
        """The one stream a person's response to a survey may be written to: a keyed hash of
        (tenant, survey, person), as for ballots, so a second response is refused by the store
        and nobody without the key links the response to the person."""
        digest = self._of_person_in("survey-response", tenant_id, dialog_id, person_id)
        return UUID(bytes=digest[:16], version=4)

    def response_draft_stream(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> UUID:
        """Where a person's unfinished answers to a survey are kept: found again from any
        device the person signs in on, unrelated to the response's stream."""
        digest = self._of_person_in("survey-draft", tenant_id, dialog_id, person_id)
        return UUID(bytes=digest[:16], version=4)

    def respondent_key(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> bytes:
        """What a survey's shuffled options are ordered by for one respondent: the same key,
        so the same order, on every device the person opens the survey with; unrelated to the
        ballot key, so an order seen gives nothing away about a stream id."""
        return self._of_person_in("respondent", tenant_id, dialog_id, person_id)

    def survey_row(self, tenant_id: str, response_stream: UUID) -> str:
        """What a survey's exports and text moderation call a response: a keyed hash of its
        stream, so neither the stream nor the person, nor when it came, can be read from it,
        and the same response gets the same name live and after a rebuild."""
        key = self._per_tenant("survey-row", tenant_id)
        return hmac.digest(key, response_stream.bytes, "sha256")[:8].hex()

    @lru_cache(maxsize=4096)  # noqa: B019
    def unsubscribe_key(self, tenant_id: str) -> bytes:
        """Signs the one-click unsubscribe links in a tenant's e-mails (RFC 8058)."""
        return self._derive(f"unsubscribe:{tenant_id}")

    @lru_cache(maxsize=4096)  # noqa: B019
    def _rate_limit_key(self, tenant_id: str) -> bytes:
        return self._derive(f"rate-limit:{tenant_id}")

    def rate_limit_hash(self, tenant_id: str, subject: str) -> str:
        """What a rate-limit counter is keyed by: a keyed hash of what it counts (a client
        address, an e-mail address, a PIN), so the table holds nothing that names anyone and
        nothing a dictionary of addresses could reverse without the deployment's secret."""
        return hmac.digest(self._rate_limit_key(tenant_id), subject.encode(), "sha256")[:16].hex()

    def code_hash(self, tenant_id: str, code: str) -> bytes:
        """What the database keeps of a sign-in code: a keyed hash, useless if the table leaks."""
        return hmac.digest(self._derive(f"code:{tenant_id}"), code.encode(), "sha256")

    @property
    def person_key_wrapping(self) -> bytes:
        """Wraps the per-person data keys in ``person_keys``: a copy of the table alone opens
        no one's personal data."""
        return self._derive("person-keys")

    def code_seal_key(self, tenant_id: str, code: str) -> bytes:
        """The AES-256 key that seals an address in a sign-in code's row: derived from the code,
        which only the e-mail carries, so the table alone never reveals the address."""
        return hmac.digest(self._derive(f"code-seal:{tenant_id}"), code.encode(), "sha256")

    @property
    def provider_secret_key(self) -> bytes:
        """The AES-256 key that seals identity providers' client secrets in the event log (the
        associated data binds each to its tenant and provider): a copy of the log alone gives
        no client secret away."""
        return self._derive("oidc-client-secret")

    def oidc_state_hash(self, tenant_id: str, state: str) -> bytes:
        """What the database keeps of an OpenID Connect sign-in's ``state``: a keyed hash."""
        return hmac.digest(self._per_tenant("oidc-state", tenant_id), state.encode(), "sha256")

    def oidc_state_seal_key(self, tenant_id: str, state: str) -> bytes:
        """The AES-256 key that seals a sign-in's PKCE verifier and nonce in its row: derived
        from the state, which only the browser carries, so the table alone opens neither."""
        key = self._per_tenant("oidc-state-seal", tenant_id)
        return hmac.digest(key, state.encode(), "sha256")

    def eligibility_key(self, tenant_id: str) -> bytes:
        """The AES-256 key that seals what an identity provider's sign-in tells about who may
        vote (a date of birth, a residence value) inside the tokens Tinget signs
        (``services.identity.eligibility``): only Tinget reads them, and only for this tenant."""
        return self._per_tenant("eligibility-facts", tenant_id)

    def citizen_hash(self, tenant_id: str, national_id: str) -> bytes:
        """What a citizen is found by: HMAC-SHA256 of their national identity number under a
        key of the tenant's derived from the deployment's secret. The number itself is kept
        nowhere; without the secret a list of every possible number maps to nothing, and the
        same number in two municipalities gives two unrelated values."""
        key = self._per_tenant("citizen-identity", tenant_id)
        return hmac.digest(key, national_id.encode(), "sha256")


def load_secret(value: str | None, fallback_file: Path) -> bytes:
    """The secret from configuration, or one generated once and kept in the data folder.

    Every gateway replica must share it: in production it comes from a Kubernetes secret.
    """
    if value:
        return value.encode()
    if fallback_file.exists():
        return fallback_file.read_bytes().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    fd = os.open(fallback_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
    return secret
