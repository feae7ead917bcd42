"""Line-based binding (guard/detectors/assign/lines.py): member access, padded base64 values, anonymous FTP."""

from __future__ import annotations

from conftest import token

from guard.detectors.assign.lines import scan_text
from guard.detectors.assign.names import classify
from guard.detectors.assign.values import judge

VALUE = token("${gen:alnum:14}", "lines-member")
PADDED = token("${gen:alnum:27}", "lines-padded") + "="


def _pairs(text: str) -> list[tuple[str, str, int, str]]:
    return [(p.name, p.value, p.column, p.where) for p in scan_text(text, 1, 1, where="text")]


def test_member_assignment_after_arrow_binds() -> None:
    text = f'$mail->Password = "{VALUE}";'
    assert _pairs(text) == [("Password", VALUE, 20, "text (`=`)")]


def test_c_member_assignment_after_arrow_binds() -> None:
    text = f'server->password = "{VALUE}";'
    assert _pairs(text) == [("password", VALUE, 21, "text (`=`)")]


def test_name_after_a_bare_greater_than_is_still_skipped() -> None:
    assert _pairs(f'if count >password = "{VALUE}"') == []


def test_padded_base64_value_followed_by_text_is_not_a_type_annotation() -> None:
    text = f"DemoToken: {PADDED} <- for user demo"
    assert _pairs(text) == [("DemoToken", PADDED, 12, "text (`:`)")]


def test_typed_binding_still_reads_the_value_after_the_annotation() -> None:
    text = f'token: str = "{VALUE}"'
    assert _pairs(text) == [("token", VALUE, 15, "text (`=`)")]


def test_anonymous_ftp_mail_password_is_not_a_secret() -> None:
    info = classify("password")
    assert info is not None
    assert judge("busybox@", info) == (None, "an e-mail address or host name")
    assert judge("guest@", info) == (None, "an e-mail address or host name")
    assert judge("bu5ybox@", info).confidence is not None
