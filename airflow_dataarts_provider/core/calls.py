"""Every DataArts Factory call this provider makes, as plain data: an :class:`ApiCall` says what to send
(method, path, query, JSON body), whether repeating it is harmless, and which parser reads the answer.

Nothing here signs, sends or sleeps: :func:`airflow_dataarts_provider.core.request.build_request` turns a
call into a signed :class:`~airflow_dataarts_provider.core.http.HttpRequest` and the one attempt loop
(:func:`airflow_dataarts_provider.core.engine.perform`) sends it. To add an API call: a constructor here
(and its parser beside the other parsers), a flow or a hook method that performs it, an emulator handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from airflow_dataarts_provider.core import jobs, release
from airflow_dataarts_provider.core.config import ClientConfig
from airflow_dataarts_provider.core.enums import PAGE_SIZE_MAX
from airflow_dataarts_provider.core.errors import DataArtsConfigError
from airflow_dataarts_provider.core.http import HttpResponse
from airflow_dataarts_provider.core.pages import Page, parse_pending_items_page, parse_release_packages_page
from airflow_dataarts_provider.core.request import api_path, check_int, name_segment

R = TypeVar("R")

PENDING_ITEMS = "pending-items"
RELEASE_PACKAGES = "release-packages"

#: ``parse(response, method, path)``: a module-level parser; it raises DataArtsResponseError.
Parser = Callable[[HttpResponse, str, str], R]


@dataclass(frozen=True)
class ApiCall(Generic[R]):
    """One DataArts request. ``idempotent`` (None: by method) decides whether 5xx and network faults
    are retried; ``path`` is built from validated segments (:func:`factory_path`)."""

    method: str
    path: str
    parse: Parser[R]
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    idempotent: bool | None = None
    #: ``dataarts`` (V2, ``config.endpoint``) or ``dlf`` (the V1 job API, ``config.dlf_endpoint``).
    service: str = "dataarts"

    def read(self, response: HttpResponse) -> R:
        return self.parse(response, self.method, self.path)


@dataclass(frozen=True)
class ListingCall:
    """A ``limit``/``offset`` listing: :meth:`page` is the call for one page (query parameters for a GET,
    body fields for a POST); ``kind`` names the listing (learned offset semantics are kept per kind)."""

    kind: str
    call: ApiCall[Page]
    id_key: str

    def page(self, limit: int, offset: int) -> ApiCall[Page]:
        limit = check_int("limit", limit, 1, PAGE_SIZE_MAX)
        offset = check_int("offset", offset, 0, None)
        if self.call.method == "GET":
            return replace(
                self.call, query=(*self.call.query, ("limit", str(limit)), ("offset", str(offset)))
            )
        return replace(self.call, body={**self.call.body, "limit": limit, "offset": offset})


def factory_path(config: ClientConfig, *segments: str) -> str:
    """``/v2/{project_id}/factory/...``: the one place this prefix is built."""
    return api_path("v2", config.project_id, "factory", *segments)


# ------------------------------------------------------------------------------------------ pending items


def pending_items(config: ClientConfig, filters_query: Sequence[tuple[str, str]] = ()) -> ListingCall:
    """``GET /v2/{project_id}/factory/pending-items`` with filter pairs from
    :func:`~airflow_dataarts_provider.core.filters.build_filter_query` (paging adds limit/offset)."""
    clash = [k for k, _ in filters_query if k in ("limit", "offset")]
    if clash:
        raise DataArtsConfigError("filters", f"{clash} are set by paging, not filters")
    call = ApiCall("GET", factory_path(config, PENDING_ITEMS), parse_pending_items_page, tuple(filters_query))
    return ListingCall(PENDING_ITEMS, call, "pending_item_id")


# --------------------------------------------------------------------------------------- release packages


def release_packages(config: ClientConfig, filters: Mapping[str, Any]) -> ListingCall:
    """``POST .../release-packages`` (a read: repeating it is harmless), filters per
    :data:`~airflow_dataarts_provider.core.release.LIST_FILTERS`."""
    body = release.list_packages_body(filters)
    path = factory_path(config, RELEASE_PACKAGES)
    call = ApiCall("POST", path, parse_release_packages_page, body=body, idempotent=True)
    return ListingCall(RELEASE_PACKAGES, call, "package_id")


def package_detail(config: ClientConfig, package_id: str) -> ApiCall[dict[str, Any]]:
    (pid,) = release.ids("package_id", [package_id], maximum=1)
    return ApiCall("GET", factory_path(config, RELEASE_PACKAGES, pid), release.parse_package_detail)


def create_package(
    config: ClientConfig,
    *,
    name: str,
    pending_item_ids: list[str],
    approver_ids: list[str],
    apply_user_id: str,
) -> ApiCall[str]:
    """``POST .../pending-items/package``; never repeated blindly (see the release flows)."""
    body = {
        "apply_user_id": release.ids("apply_user_id", [apply_user_id], maximum=1)[0],
        "package_name": release.package_name(name),
        "pending_item_list": release.ids("pending_item_ids", pending_item_ids),
        "approver_ids": release.ids("approver_ids", approver_ids),
    }
    path = factory_path(config, PENDING_ITEMS, "package")
    return ApiCall("POST", path, release.parse_create_package, body=body)


def deploy(config: ClientConfig, package_ids: list[str], startup_mode: int) -> ApiCall[list[dict[str, Any]]]:
    body = {
        "package_ids": release.ids("package_ids", package_ids),
        "startup_mode": release.check_startup_mode(startup_mode),
    }
    path = factory_path(config, RELEASE_PACKAGES, "deploy")
    return ApiCall("POST", path, release.parse_deploy, body=body)


def cancel(config: ClientConfig, package_ids: list[str]) -> ApiCall[None]:
    body = {"package_ids": release.ids("package_ids", package_ids)}
    return ApiCall("POST", factory_path(config, RELEASE_PACKAGES, "unpack"), release.parse_nothing, body=body)


# ----------------------------------------------------------------------------------- job runs (V1, DLF)


def _job_path(config: ClientConfig, job_name: str, *segments: str) -> str:
    return api_path("v1", config.project_id, "jobs", name_segment("job_name", job_name), *segments)


def run_job(config: ClientConfig, job_name: str, params: object = None) -> ApiCall[str]:
    """``POST /v1/{pid}/jobs/{job}/run-immediate``: starts one instance, returns its id. Never repeated
    blindly (see the job flows)."""
    body = {"jobParams": jobs.job_params(params)} if params else None
    return ApiCall(
        "POST",
        _job_path(config, job_name, "run-immediate"),
        jobs.parse_run_immediate,
        body=body,
        service="dlf",
    )


def job_instance(config: ClientConfig, job_name: str, instance_id: str) -> ApiCall[dict[str, Any]]:
    """``GET /v1/{pid}/jobs/{job}/instances/{id}``: status, nodes (with log paths)."""
    (iid,) = release.ids("instance_id", [instance_id], maximum=1)
    return ApiCall(
        "GET", _job_path(config, job_name, "instances", iid), jobs.parse_job_instance, service="dlf"
    )


def job_instances(
    config: ClientConfig,
    job_name: str,
    *,
    min_plan_time: object = None,
    max_plan_time: object = None,
    status: str | None = None,
) -> ListingCall:
    """``GET /v1/{pid}/jobs/instances/detail`` for one job (exact name), paged by the listing walk."""
    query = [("jobName", unquote(name_segment("job_name", job_name))), ("preciseQuery", "true")]
    if min_plan_time is not None:
        query.append(("minPlanTime", jobs.plan_time_ms("min_plan_time", min_plan_time)))
    if max_plan_time is not None:
        query.append(("maxPlanTime", jobs.plan_time_ms("max_plan_time", max_plan_time)))
    if status is not None:
        if jobs.phase(status) is None:
            raise DataArtsConfigError("status", f"{status!r} is unknown", jobs.known_statuses())
        query.append(("status", status))
    path = api_path("v1", config.project_id, "jobs", "instances", "detail")
    call = ApiCall("GET", path, jobs.parse_job_instances_page, tuple(query), service="dlf")
    return ListingCall("job-instances", call, "instance_id")


def stop_job_instance(config: ClientConfig, job_name: str, instance_id: str) -> ApiCall[None]:
    """``POST .../instances/{id}/stop`` (running instances only)."""
    (iid,) = release.ids("instance_id", [instance_id], maximum=1)
    return ApiCall(
        "POST", _job_path(config, job_name, "instances", iid, "stop"), release.parse_nothing, service="dlf"
    )


def rerun_job_instance(config: ClientConfig, job_name: str, instance_id: str) -> ApiCall[None]:
    """``POST .../instances/{id}/restart`` (after success, failure or cancel; no body: the SDK sends none)."""
    (iid,) = release.ids("instance_id", [instance_id], maximum=1)
    path = _job_path(config, job_name, "instances", iid, "restart")
    return ApiCall("POST", path, release.parse_nothing, service="dlf")
