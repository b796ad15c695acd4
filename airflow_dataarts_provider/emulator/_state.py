# SPDX-FileCopyrightText: 2026 airflow-dataarts-provider developers
# SPDX-License-Identifier: Apache-2.0
"""The emulator's state: accounts, tokens, items, packages, fault queues, counters and the request
log, under one lock. Handlers read and change it; nothing here speaks HTTP."""

from __future__ import annotations

import base64
import random
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from ._common import iso, random_secret, random_upper
from ._config import AkSkCredential, EmulatorConfig, IamUser
from ._faults import Fault, Mutation
from ._job_runs import Instance, Job
from ._patch_data import PatchRun
from ._pending_items import BASE_TIMESTAMP_MS, SUBMITTERS, PendingItem, generate_items, item_from_mapping
from ._release_packages import ReleasePackage, ReleaseSettings
from ._scripts import Script, ScriptInstance

FIRST_PACKAGE_ID = 1_000_001
FIRST_JOB_ID = 7_100_000
FIRST_INSTANCE_ID = 880_000_001


@dataclass
class Token:
    user: IamUser
    project_id: str
    issued_at: float
    expires_at: float


@dataclass
class TempCredential:
    ak: str
    sk: str
    security_token: str
    expires_at: float
    user_id: str
    user_name: str


class State:
    """Everything the emulator knows; ``lock`` guards every field."""

    def __init__(self, cfg: EmulatorConfig) -> None:
        self.config = cfg
        self.lock = threading.RLock()
        # Ids of added items must not replay the ids generate_items() draws from the same seed.
        self.rng = random.Random(f"added-items-{cfg.seed}")  # noqa: S311 - deterministic test data
        self.workspaces: list[str] = list(cfg.workspaces)
        self.projects: set[str] = {cfg.project_id, *cfg.extra_project_ids}
        self.credentials: dict[str, AkSkCredential] = {c.ak: c for c in cfg.credentials}
        self.iam_users: list[IamUser] = list(cfg.iam_users)
        self.tokens: dict[str, Token] = {}
        self.metadata_tokens: dict[str, float] = {}  # token -> expiry (epoch s)
        self.temp_credentials: dict[str, TempCredential] = {}
        self.items: list[PendingItem] = [
            item_from_mapping(m, self.workspaces[0], self.rng, BASE_TIMESTAMP_MS) for m in cfg.items
        ]
        if cfg.seed_items:
            self.items.extend(generate_items(cfg.seed_items, cfg.seed, self.workspaces[0]))
        self.rate_limit: float | None = cfg.rate_limit_per_user or None
        self.dlf_rate_limit: float | None = cfg.dlf_rate_limit_per_user or None
        self.rate_windows: dict[tuple[str, str], deque[float]] = {}
        self.latency = cfg.latency_s
        self.faults: dict[str, deque[Fault]] = {}
        self.mutations: list[Mutation] = []
        self.aksk_failures: dict[str, int] = {}
        self.aksk_locked_until: dict[str, float] = {}
        self.log: deque[dict[str, Any]] = deque(maxlen=cfg.request_log_limit)
        self.counters: dict[str, Any] = empty_counters()
        self.release_settings = ReleaseSettings(
            auto_approve=cfg.auto_approve,
            approve_delay_s=cfg.approve_delay_s,
            release_duration_s=cfg.release_duration_s,
            fail_items=tuple(cfg.fail_items),
        )
        self.release_settings.validate()
        self.release_clock = cfg.release_clock or time.time
        self.packages: dict[str, ReleasePackage] = {}
        self.next_package_id = FIRST_PACKAGE_ID
        self.jobs: dict[str, Job] = {}
        for number, name in enumerate(cfg.jobs, start=1):
            self.jobs[name] = Job(name, FIRST_JOB_ID + number, self.workspaces[0])
        self.instances: dict[int, Instance] = {}
        self.next_instance_id = FIRST_INSTANCE_ID
        self.patch_runs: dict[str, PatchRun] = {}
        self.scripts: dict[str, Script] = {
            name: Script(name, self.workspaces[0], type=kind) for name, kind in cfg.scripts
        }
        self.script_instances: dict[str, ScriptInstance] = {}
        self.next_script_instance = 0

    def ws(self, workspace: str | None) -> str:
        ws = workspace or self.workspaces[0]
        if ws not in self.workspaces:
            raise ValueError(f"unknown workspace {ws!r}")
        return ws

    @staticmethod
    def selected(item: PendingItem, ids: set[str], names: set[str]) -> bool:
        return item.pending_item_id in ids or item.item_name in names

    def items_api(self, workspace: str | None) -> list[dict[str, Any]]:
        """The items of a workspace in API order (what an unfiltered listing pages through)."""
        self.advance_packages()
        with self.lock:
            ws = self.ws(workspace)
            return [i.to_api(self.config.project_id) for i in self.items if i.workspace_id == ws]

    def advance_packages(self) -> None:
        """Apply the due state transitions of every package (lazily, on each request/API call)."""
        with self.lock:
            now = self.release_clock()
            for package in self.packages.values():
                outcome = package.advance(now, self.release_settings)
                if outcome == "success":
                    self.counters["packages_released"] += 1
                    released = {i.pending_item_id for i in package.items}
                    self.items = [i for i in self.items if i.pending_item_id not in released]
                    for item in package.items:  # a released job can be run in production
                        if item.task_type == 1 and item.item_name not in self.jobs:
                            job_id = FIRST_JOB_ID + len(self.jobs) + 1
                            self.jobs[item.item_name] = Job(item.item_name, job_id, package.workspace_id)
                elif outcome == "failed":
                    self.counters["packages_failed"] += 1

    def start_instance(self, job: Job, params: list[dict[str, str]], **start: Any) -> Instance:
        """A new instance of ``job`` started now (``start``: :meth:`Instance.start`'s keywords), stored.
        Under the lock."""
        instance = Instance.start(self.next_instance_id, job, self.release_clock(), params, **start)
        self.instances[instance.instance_id] = instance
        self.next_instance_id += 1
        return instance

    def get_package(self, package_id: str) -> ReleasePackage:
        package = self.packages.get(str(package_id))
        if package is None:
            raise ValueError(f"unknown release package {package_id!r}")
        return package

    def user_name(self, user_id: str) -> str:
        """Name of a known user id (item submitters, AK/SK owners, IAM users); the id itself otherwise."""
        for item in self.items:
            if item.submit_user_id == user_id:
                return item.submit_user_name
        for uid, name in SUBMITTERS:
            if uid == user_id:
                return name
        for cred in self.credentials.values():
            if cred.user_id == user_id:
                return cred.user_name
        for user in self.iam_users:
            if user.user_id == user_id:
                return user.name
        return user_id

    def user_id(self, user_name: str) -> str:
        for cred in self.credentials.values():
            if cred.user_name == user_name:
                return cred.user_id
        for user in self.iam_users:
            if user.name == user_name:
                return user.user_id
        for temp in self.temp_credentials.values():
            if temp.user_name == user_name:
                return temp.user_id
        return ""

    # ------------------------------------------------------------------ accounts

    def expire_tokens(self) -> int:
        """Expire every issued IAM token and temporary credential now; returns how many."""
        with self.lock:
            past = time.time() - 1
            for token in self.tokens.values():
                token.expires_at = past
            for cred in self.temp_credentials.values():
                cred.expires_at = past
            return len(self.tokens) + len(self.temp_credentials)

    def issue_token(self, user: IamUser, project_id: str) -> str:
        token = "MIIEemu" + base64.urlsafe_b64encode(secrets.token_bytes(384)).decode().rstrip("=")
        now = time.time()
        self.tokens[token] = Token(user, project_id, now, now + self.config.token_lifetime_s)
        self.counters["tokens_issued"] += 1
        return token

    def issue_temporary_credentials(self, lifetime_s: float | None = None) -> dict[str, str]:
        """Issue temporary AK/SK/security token (the metadata endpoint's ``credential`` object)."""
        lifetime = self.config.temporary_credential_lifetime_s if lifetime_s is None else lifetime_s
        user = self.iam_users[0] if self.iam_users else IamUser("agency", "")
        cred = TempCredential(
            ak=random_upper(20),
            sk=random_secret(40),
            security_token="gQpjbi1ub3J0aC00" + base64.b64encode(secrets.token_bytes(240)).decode(),
            expires_at=time.time() + lifetime,
            user_id=user.user_id,
            user_name=user.name,
        )
        with self.lock:
            self.temp_credentials[cred.ak] = cred
            self.counters["temporary_credentials_issued"] += 1
        return {
            "access": cred.ak,
            "secret": cred.sk,
            "securitytoken": cred.security_token,
            "expires_at": iso(cred.expires_at),
        }


def empty_counters() -> dict[str, Any]:
    return {
        "requests_total": 0,
        "by_endpoint": {},
        "by_user": {},
        # user -> {epoch second: requests answered in it}; user -> the most requests the rate limit
        # saw in one sliding 1 s window (only while a limit is on)
        "by_user_second": {},
        "peak_1s_window": {},  # V2; "peak_1s_window_dlf": the same on the V1 API
        "peak_1s_window_dlf": {},
        "by_status": {},
        "by_endpoint_status": {},
        "tokens_issued": 0,
        "temporary_credentials_issued": 0,
        "metadata_tokens_issued": 0,
        "throttled": 0,
        "auth_failures": 0,
        "faults_injected": 0,
        "packages_created": 0,
        "packages_deploy_requests": 0,
        "packages_released": 0,
        "packages_failed": 0,
        "packages_cancelled": 0,
        "job_instances_started": {},
        "job_instances_stopped": {},
        "job_instances_rerun": {},
        "job_node_runs": {},  # job -> {node: runs}: which nodes a start or a rerun ran
        "patch_data_created": {},  # job -> PatchData runs created
        "patch_data_stopped": {},
        "script_instances_started": {},
        "script_instances_stopped": {},
    }
