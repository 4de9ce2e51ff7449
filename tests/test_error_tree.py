"""The error tree is public and closed: every error class the package raises is exported from `extractor`, every
`__all__` is its package's export table, and every exception the openai SDK defines either becomes one of ours
where it enters (llm/faults.py: translate) or is named here as one our calls never raise (httpx-style)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import httpx2
import openai
import pytest

import extractor
from extractor import errors
from extractor.llm.faults import translate


def _all_modules() -> None:
    for info in pkgutil.walk_packages(extractor.__path__, "extractor."):
        importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_error_class_is_exported_from_the_package():
    _all_modules()
    public = {cls for cls in _subclasses(errors.ExtractorError) if not cls.__name__.startswith("_")}
    assert {cls.__module__ for cls in public} == {"extractor.errors"}, "error classes live in errors.py"
    for cls in public | {errors.ExtractorError}:
        assert cls.__name__ in extractor.__all__, f"{cls.__name__} is not exported"
        assert getattr(extractor, cls.__name__) is cls
    assert "BudgetExceeded" in extractor.__all__


@pytest.mark.parametrize("package", ["extractor", "extractor.baseline", "extractor.evaluation", "extractor.events",
                                     "extractor.llm", "extractor.pipeline", "extractor.store"])  # fmt: skip
def test_all_is_the_export_table(package: str):
    module = importlib.import_module(package)
    assert set(module.__all__) - {"__version__"} == set(module._EXPORTS)
    for name in module.__all__:
        assert getattr(module, name) is not None


_REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def _response(status: int) -> httpx2.Response:
    return httpx2.Response(status, request=_REQUEST, json={"error": {"message": "no"}})


# Every openai exception our requests can raise, an instance of it, and the error of ours it becomes.
TRANSLATED = {
    openai.APIError: (lambda: openai.APIError("odd", _REQUEST, body=None), errors.BackendError),
    openai.APIConnectionError: (lambda: openai.APIConnectionError(request=_REQUEST), errors.Unreachable),
    openai.APITimeoutError: (lambda: openai.APITimeoutError(_REQUEST), errors.BackendTimeout),
    openai.APIResponseValidationError: (
        lambda: openai.APIResponseValidationError(_response(200), None), errors.BackendError
    ),
    openai.APIStatusError: (lambda: openai.APIStatusError("teapot", response=_response(418), body=None),
                            errors.BackendError),
    openai.BadRequestError: (lambda: openai.BadRequestError("bad", response=_response(400), body=None),
                             errors.BackendError),
    openai.AuthenticationError: (lambda: openai.AuthenticationError("no", response=_response(401), body=None),
                                 errors.ConfigError),
    openai.OAuthError: (lambda: openai.OAuthError(response=_response(401), body=None), errors.ConfigError),
    openai.PermissionDeniedError: (lambda: openai.PermissionDeniedError("no", response=_response(403), body=None),
                                   errors.ConfigError),
    openai.NotFoundError: (lambda: openai.NotFoundError("no", response=_response(404), body=None), errors.ConfigError),
    openai.ConflictError: (lambda: openai.ConflictError("busy", response=_response(409), body=None),
                           errors.ServerError),
    openai.UnprocessableEntityError: (
        lambda: openai.UnprocessableEntityError("no", response=_response(422), body=None), errors.BackendError
    ),
    openai.RateLimitError: (lambda: openai.RateLimitError("slow", response=_response(429), body=None),
                            errors.RateLimited),
    openai.InternalServerError: (lambda: openai.InternalServerError("down", response=_response(500), body=None),
                                 errors.ServerError),
}
# openai exceptions the calls we make (chat.completions.create, files, batches; a key always given) never raise.
NOT_RAISED = {
    "OpenAIError",  # the SDK's base: raised alone for a client built without a key (ours always pass one)
    "LengthFinishReasonError",  # .parse() helpers only: we call .create and read finish_reason ourselves
    "ContentFilterFinishReasonError",  # .parse() helpers only
    "InvalidWebhookSignatureError",  # webhooks: not used
    "WebSocketQueueFullError",  # realtime websockets: not used
    "WebSocketConnectionClosedError",  # realtime websockets: not used
}


def test_every_openai_exception_is_translated_or_never_raised():
    defined = {name for name in openai.__all__
               if inspect.isclass(getattr(openai, name)) and issubclass(getattr(openai, name), BaseException)}  # fmt: skip
    assert defined == {cls.__name__ for cls in TRANSLATED} | NOT_RAISED, "a new openai exception: map it"


@pytest.mark.parametrize("sdk_error", list(TRANSLATED), ids=lambda cls: cls.__name__)
def test_an_openai_exception_becomes_one_of_ours(sdk_error: type):
    make, ours = TRANSLATED[sdk_error]
    exc = make()
    assert type(exc) is sdk_error
    translated = translate(exc)
    assert type(translated) is ours
    assert isinstance(translated, errors.ExtractorError)
