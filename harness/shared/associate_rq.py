"""The A-ASSOCIATE-RQ PDU as bytes (PS3.8 9.3.2): read into its fields and items without trusting it, and written
back. The harness reads what a product sent with it (checks need the bytes as they were, not pynetdicom's
reading of them); the modality simulator's faults rewrite their own requests with it."""

from __future__ import annotations

from dataclasses import dataclass, field

APPLICATION_CONTEXT, PRESENTATION_CONTEXT, USER_INFORMATION = 0x10, 0x20, 0x50
PRESENTATION_CONTEXT_AC = 0x21          # the A-ASSOCIATE-AC's presentation context item (PS3.8 9.3.3.2)
ROLE_SELECTION = 0x54                   # SCP/SCU Role Selection sub-item (PS3.7 D.3.3.4)
ASYNCHRONOUS_WINDOW = 0x53              # Asynchronous Operations Window sub-item (PS3.7 D.3.3.3)
SOP_CLASS_EXTENDED = 0x56               # SOP Class Extended Negotiation sub-item (PS3.7 D.3.3.5)
ABSTRACT_SYNTAX, TRANSFER_SYNTAX = 0x30, 0x40
MAXIMUM_LENGTH, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME = 0x51, 0x52, 0x55


class MalformedPdu(ValueError):
    """The bytes do not hold a complete A-ASSOCIATE-RQ; the message says where they stop making sense."""


@dataclass
class Item:
    type: int
    value: bytes
    children: list[Item] = field(default_factory=list)     # sub-items of presentation context / user info items

    def text(self) -> str:
        return self.value.decode("ascii", "replace").rstrip("\x00 ")


@dataclass
class AssociateRequest:
    protocol_version: int
    called_ae: bytes
    calling_ae: bytes
    header_rest: bytes          # bytes 9-10 (reserved) and 43-74 (reserved), kept to write the PDU back as it was
    items: list[Item]
    pdu_type: int = 0x01        # 02: an A-ASSOCIATE-AC, read and written the same way (PS3.8 9.3.3)

    def items_of(self, kind: int) -> list[Item]:
        return [item for item in self.items if item.type == kind]

    @property
    def presentation_contexts(self) -> list[Item]:
        return self.items_of(PRESENTATION_CONTEXT)

    def user_sub_items(self, kind: int) -> list[Item]:
        return [sub for item in self.items_of(USER_INFORMATION) for sub in item.children if sub.type == kind]


def context_id(item: Item) -> int:
    """The Presentation-context-ID of a presentation context item (its first value byte)."""
    return item.value[0] if item.value else -1


def _items(data: bytes, where: str) -> list[Item]:
    found, offset = [], 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise MalformedPdu(f"{where}: {len(data) - offset} stray byte(s) where an item header should start")
        kind, length = data[offset], int.from_bytes(data[offset + 2:offset + 4], "big")
        value = data[offset + 4:offset + 4 + length]
        if len(value) != length:
            raise MalformedPdu(f"{where}: item 0x{kind:02X} says {length} bytes, {len(value)} follow")
        item = Item(kind, value)
        if kind in (PRESENTATION_CONTEXT, PRESENTATION_CONTEXT_AC):
            # ID, reserved, result/reason (AC) or reserved (RQ), reserved, then the sub-items
            item.children = _items(value[4:], f"presentation context item {value[0] if value else '?'}")
        elif kind == USER_INFORMATION:
            item.children = _items(value, "user information item")
        found.append(item)
        offset += 4 + length
    return found


def parse(raw: bytes, pdu_type: int = 0x01) -> AssociateRequest:
    """An A-ASSOCIATE-RQ (or, pdu_type 0x02, an A-ASSOCIATE-AC: the same layout, PS3.8 9.3.3) read into its parts."""
    if len(raw) < 74 or raw[0] != pdu_type:
        raise MalformedPdu(f"not an A-ASSOCIATE-{'RQ' if pdu_type == 1 else 'AC'}: {len(raw)} bytes starting "
                           f"0x{raw[:1].hex() or '--'}")
    length = int.from_bytes(raw[2:6], "big")
    if length != len(raw) - 6:
        raise MalformedPdu(f"PDU-length says {length} bytes, {len(raw) - 6} follow the header")
    return AssociateRequest(protocol_version=int.from_bytes(raw[6:8], "big"), called_ae=raw[10:26],
                            calling_ae=raw[26:42], header_rest=raw[8:10] + raw[42:74],
                            items=_items(raw[74:], "variable items"), pdu_type=pdu_type)


def _encode_items(items: list[Item]) -> bytes:
    out = b""
    for item in items:
        if item.type in (PRESENTATION_CONTEXT, PRESENTATION_CONTEXT_AC):
            value = item.value[:4] + _encode_items(item.children)
        elif item.type == USER_INFORMATION:
            value = _encode_items(item.children)
        else:
            value = item.value
        out += bytes([item.type, 0]) + len(value).to_bytes(2, "big") + value
    return out


def encode(request: AssociateRequest) -> bytes:
    body = (request.protocol_version.to_bytes(2, "big") + request.header_rest[:2] + request.called_ae
            + request.calling_ae + request.header_rest[2:] + _encode_items(request.items))
    return bytes([request.pdu_type, 0]) + len(body).to_bytes(4, "big") + body


DICOM_APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"     # PS3.7 A.2.1
IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2"
HARNESS_IMPLEMENTATION_UID = "1.2.826.0.1.3680043.9.3811.2.0.0"   # pynetdicom's root, as the harness's AEs use


def _uid(value: str) -> bytes:
    return value.encode("ascii")


def _ae(title: str) -> bytes:
    return title.encode("ascii")[:16].ljust(16, b" ")


def role_item(sop_class: str, scu: int, scp: int) -> Item:
    """An SCP/SCU Role Selection sub-item (PS3.7 D.3.3.4.1): UID-length, the SOP class UID, SCU-role, SCP-role."""
    uid = _uid(sop_class)
    return Item(ROLE_SELECTION, len(uid).to_bytes(2, "big") + uid + bytes([scu, scp]))


def read_role_item(item: Item) -> tuple[str, int | None, int | None]:
    """(SOP class UID, SCU-role, SCP-role) of a role selection sub-item; None for a role byte that is missing."""
    size = int.from_bytes(item.value[:2], "big")
    uid = item.value[2:2 + size].decode("ascii", "replace").rstrip("\x00 ")
    rest = item.value[2 + size:]
    return uid, (rest[0] if len(rest) > 0 else None), (rest[1] if len(rest) > 1 else None)


def extended_item(sop_class: str, information: bytes) -> Item:
    """A SOP Class Extended Negotiation sub-item (PS3.7 D.3.3.5): SOP-class-uid-length, the UID, then the
    Service-class-application-information."""
    uid = _uid(sop_class)
    return Item(SOP_CLASS_EXTENDED, len(uid).to_bytes(2, "big") + uid + information)


def read_extended_item(item: Item) -> tuple[str, bytes]:
    """(SOP class UID, Service-class-application-information) of a SOP Class Extended Negotiation sub-item."""
    size = int.from_bytes(item.value[:2], "big")
    return item.value[2:2 + size].decode("ascii", "replace").rstrip("\x00 "), item.value[2 + size:]


def verification_request(calling: str, called: str, max_length: int = 16384,
                         abstract_syntax: str = "1.2.840.10008.1.1", extra_user_items: tuple[Item, ...] = (),
                         transfer_syntaxes: tuple[str, ...] = (IMPLICIT_VR_LITTLE_ENDIAN, "1.2.840.10008.1.2.1"),
                         ) -> AssociateRequest:
    """An A-ASSOCIATE-RQ proposing one presentation context (ID 1, Implicit and Explicit VR Little Endian: a command
    set is Implicit VR Little Endian whichever is accepted; Verification unless
    told otherwise), with a Maximum Length and an Implementation Class UID sub-item (and extra_user_items after
    them)."""
    context = Item(PRESENTATION_CONTEXT, bytes([1, 0, 0, 0]), [Item(ABSTRACT_SYNTAX, _uid(abstract_syntax)),
                                                               *(Item(TRANSFER_SYNTAX, _uid(ts)) for ts in transfer_syntaxes)])
    user = Item(USER_INFORMATION, b"", [Item(MAXIMUM_LENGTH, max_length.to_bytes(4, "big")),
                                        Item(IMPLEMENTATION_CLASS_UID, _uid(HARNESS_IMPLEMENTATION_UID)),
                                        *extra_user_items])
    return AssociateRequest(protocol_version=1, called_ae=_ae(called), calling_ae=_ae(calling),
                            header_rest=bytes(34), items=[Item(APPLICATION_CONTEXT, _uid(DICOM_APPLICATION_CONTEXT)),
                                                          context, user])


USER_IDENTITY_RQ, USER_IDENTITY_AC = 0x58, 0x59     # User Identity Negotiation sub-items (PS3.7 D.3.3.7)


def user_identity_item(kind: int, primary: bytes, secondary: bytes = b"", positive: bool = True) -> Item:
    """A User Identity Negotiation sub-item of an A-ASSOCIATE-RQ (PS3.7 D.3.3.7.1, Table D.3-14): User-Identity-Type
    (1 username, 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT), Positive-response-requested, the primary
    field and, for type 2, the secondary field (the passcode), each with its 2-byte length."""
    value = (bytes([kind, 1 if positive else 0]) + len(primary).to_bytes(2, "big") + primary
             + len(secondary).to_bytes(2, "big") + secondary)
    return Item(USER_IDENTITY_RQ, value)


def read_user_identity_item(item: Item) -> tuple[int, bool, bytes, bytes]:
    """(User-Identity-Type, positive response requested, primary field, secondary field) of an RQ's 58H sub-item;
    fields that are missing read as empty."""
    value = item.value
    kind, positive = (value[0] if value else 0), (len(value) > 1 and value[1] == 1)
    size = int.from_bytes(value[2:4], "big")
    primary = value[4:4 + size]
    rest = value[4 + size:]
    return kind, positive, primary, rest[2:2 + int.from_bytes(rest[:2], "big")]


def read_user_identity_response(item: Item) -> bytes | None:
    """The Server-response of an AC's 59H sub-item (PS3.7 D.3.3.7.2); None when its length field does not match."""
    size = int.from_bytes(item.value[:2], "big")
    response = item.value[2:]
    return response if len(item.value) >= 2 and len(response) == size else None
