"""The JSON API at /api/v1/: token authentication, the region gate, documented errors."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

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


class LocalSwagger(Swagger):
    """Swagger UI from the project's own static files (npm's swagger-ui-dist, collected like the other front-end
    packages), never from a CDN: bureau networks are often intranet-only, and the CSP allows only this origin."""

    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": settings})


api = NinjaAPI(
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
    from bottomline.engine.api import router as engine_router
    from bottomline.feeds.api import router as feeds_router
    from bottomline.jobs.api import router as jobs_router
    from bottomline.monitoring.api import router as monitoring_router
    from bottomline.monitoring.report_api import router as report_router
    from bottomline.policy.api import router as policy_router
    from bottomline.portal.api import router as portal_router
    from bottomline.regions.api import router as regions_router
    from bottomline.registry.api import router as registry_router

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
