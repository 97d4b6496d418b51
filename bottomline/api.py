"""The JSON API at /api/v1/: token authentication, the region gate, documented errors."""

from __future__ import annotations

import json
import logging
from io import BytesIO
from typing import Any, TypeVar, get_origin

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import load_handler
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer
from pydantic import ValidationError as PydanticValidationError

from bottomline.accounts import gate
from bottomline.accounts.models import TokenScope, User
from bottomline.accounts.services import token_authenticate
from bottomline.audit.services import request_actor_set
from bottomline.logs import error_reference

logger = logging.getLogger(__name__)

# What a read-only token may do: ask, never change.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bl_…``: a token a staff member created on their tokens page."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_authenticate(token)
        if found is None:
            return None
        request.user = found.user
        request_actor_set(user=found.user)  # the change log's actor: auditlog's middleware ran before us
        if found.scope != TokenScope.WRITE and request.method not in SAFE_METHODS:
            gate.deny(found.user, f"apitoken:{found.pk}:{found.scope}", request)  # 403, audited
        return found.user


class Error(Schema):
    """Every error answer: a message in the request's language."""

    detail: str


class ServerErrorOut(Schema):
    """A 500 answer: never a traceback, only the reference of the log line that holds it."""

    detail: str
    reference: str


class ValidationErrorOut(Schema):
    """A 422 answer: what was wrong with the input, field by field."""

    detail: list[dict[str, Any]]


# The largest offset a list accepts: past SQLite's integers a slice fails inside the database (a 500).
MAX_OFFSET = 10**9
# Documented on every operation, so that clients know what to expect (400: a body that is not JSON or a
# malformed form; 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, files apart; web/errors.py: ApiErrorsMiddleware).
ERRORS: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    413: Error,
    422: ValidationErrorOut,
    500: ServerErrorOut,
}
# A PDF answer (``openapi_extra`` of the operation): documented by hand, since it is not JSON.
PDF_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The PDF document",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


S = TypeVar("S", bound=Schema)


def json_or_multipart(
    request: HttpRequest, schema: type[S]
) -> tuple[S, MultiValueDict[str, UploadedFile[bytes]]]:
    """An operation's input from a JSON body, or from a multipart form (the fields as form fields, a list field
    repeated, files as files); the input and the uploaded files (none for JSON). 400 for a body that is not JSON,
    422 (ninja's shape) for input that does not fit ``schema``."""
    files: MultiValueDict[str, UploadedFile[bytes]] = MultiValueDict()
    if request.content_type == "multipart/form-data":
        form: QueryDict
        try:
            if request.method == "POST":
                form, files = request.POST, request.FILES
            else:  # Django parses multipart bodies of POSTs only
                stream = BytesIO(request.body) if hasattr(request, "_body") else request
                handlers = [load_handler(h, request) for h in settings.FILE_UPLOAD_HANDLERS]
                form, files = MultiPartParser(request.META, stream, handlers, request.encoding).parse()
        except MultiPartParserError:
            raise HttpError(400, "Cannot parse request body") from None
        lists = {name for name, f in schema.model_fields.items() if get_origin(f.annotation) is list}
        values: dict[str, Any] = {
            name: form.getlist(name) if name in lists else form[name] for name in form if form[name] != ""
        }
        where: tuple[str, ...] = ("form",)
    else:
        try:
            values = json.loads(request.body) if request.body else {}
        except ValueError:
            raise HttpError(400, "Cannot parse request body") from None
        where = ("body", "data")
    try:
        return schema.model_validate(values), files
    except PydanticValidationError as exc:
        raise ValidationError(
            [
                {**e, "loc": [*where, *e["loc"]]}
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            ]
        ) from None


def _inlined(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inlined(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inlined(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inlined(v, defs) for v in node]
    return node


def json_or_multipart_doc(schema: type[Schema], file: str, base64_field: str) -> dict[str, Any]:
    """The request body of an operation that reads ``json_or_multipart``: ``schema`` as JSON (the file base64 in
    ``base64_field``), or as a multipart form with the file as ``file`` (what the feed upload takes)."""
    described = schema.model_json_schema()
    body = _inlined({k: v for k, v in described.items() if k != "$defs"}, described.get("$defs", {}))
    form = {**body, "properties": {k: v for k, v in body["properties"].items() if k != base64_field}}
    form["properties"][file] = {
        "type": "string",
        "format": "binary",
        "description": "PDF, JPEG or PNG, at most 10 MB",
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": body}, "multipart/form-data": {"schema": form}},
        }
    }


class LocalSwagger(Swagger):
    """Swagger UI from the project's own static files (npm's swagger-ui-dist, collected like the other front-end
    packages), never from a CDN: bureau networks are often intranet-only, and the CSP allows only this origin."""

    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": settings})


class SchemaOnceAPI(NinjaAPI):
    """The OpenAPI document built once per address prefix and language, not on every request: it does not change
    while the process runs, and building it walks every operation's schemas (seconds on a busy machine)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, str], OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        prefix = self.get_root_path(path_params or {}) if path_prefix is None else path_prefix
        key = (prefix, get_language() or "")
        if key not in self._schemas:
            self._schemas[key] = super().get_openapi_schema(path_prefix=prefix, path_params=path_params)
        return self._schemas[key]


api = SchemaOnceAPI(
    title="Bottomline API",
    version="1",
    description="Dynamic monitoring and assistance (防止返贫动态监测和帮扶). Every call is limited to the "
    "caller's region.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs=LocalSwagger(),
)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Authentication required"}, status=401)


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Permission denied"}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(DjangoValidationError)
def on_service_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service refused the input: the same 422 shape, one entry per field and message."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = [
        {"loc": ["body", field], "msg": msg, "type": "value_error"}
        for field, msgs in fields.items()
        for msg in msgs
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else: logged once with its traceback and a reference; the answer holds only the reference,
    with DEBUG on too (django-ninja would answer the traceback as text)."""
    reference = error_reference()
    logger.error(
        "unexpected error",
        exc_info=exc,
        extra={"reference": reference, "method": request.method, "path": request.path},
    )
    return api.create_response(
        request, {"detail": "Internal server error", "reference": reference}, status=500
    )


def register_routers() -> None:
    """Mount each app's router; called once from the URL configuration."""
    from bottomline.accounts.api import router as accounts_router
    from bottomline.employment.api import router as employment_router
    from bottomline.engine.api import router as engine_router
    from bottomline.feeds.api import router as feeds_router
    from bottomline.industry.api import router as industry_router
    from bottomline.insurance.api import router as insurance_router
    from bottomline.jobs.api import router as jobs_router
    from bottomline.loans.api import router as loans_router
    from bottomline.monitoring.api import router as monitoring_router
    from bottomline.monitoring.report_api import router as report_router
    from bottomline.mutualaid.api import router as mutualaid_router
    from bottomline.points.api import router as points_router
    from bottomline.policy.api import router as policy_router
    from bottomline.portal.api import router as portal_router
    from bottomline.projects.api import router as projects_router
    from bottomline.pv.api import router as pv_router
    from bottomline.regions.api import router as regions_router
    from bottomline.registry.api import router as registry_router
    from bottomline.relocation.api import router as relocation_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/regions", regions_router)
    api.add_router("/jobs", jobs_router)
    api.add_router("/registry", registry_router)
    api.add_router("/registry", report_router)  # risk reports on households: monitoring owns leads
    api.add_router("/feeds", feeds_router)
    api.add_router("/policy", policy_router)
    api.add_router("/screening", engine_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/portal", portal_router)
    api.add_router("/industry", industry_router)
    api.add_router("/employment", employment_router)
    api.add_router("/pv", pv_router)
    api.add_router("/loans", loans_router)
    api.add_router("/relocation", relocation_router)
    api.add_router("/insurance", insurance_router)
    api.add_router("/projects", projects_router)
    api.add_router("/points", points_router)
    api.add_router("/mutualaid", mutualaid_router)
