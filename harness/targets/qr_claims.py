"""What a target claims for Query/Retrieve: the [claims.query_retrieve] table of a profile, a slice of its
PS3.2 conformance statement (information models, operations, relational queries, optional keys)."""

from __future__ import annotations

from dataclasses import dataclass

from dicom_harness.errors import ProfileError
from dicom_harness.targets.keys import check_keys

MODELS = ("patient_root", "study_root")
OPERATIONS = ("C-FIND", "C-MOVE", "C-GET")


@dataclass(frozen=True)
class QueryRetrieveClaims:
    models: tuple[str, ...] = ("study_root",)
    operations: tuple[str, ...] = ("C-FIND",)
    relational: bool = False                    # PS3.4 C.4.1.3.2 relational queries
    optional_keys: tuple[str, ...] = ()          # optional keys supported for existence and matching

    def offers_model(self, model: str) -> bool:
        return model in self.models

    def offers(self, operation: str) -> bool:
        return operation in self.operations


QUERY_RETRIEVE_KEYS = ("models", "operations", "relational", "optional_keys")


def parse_qr_claims(claims_table: dict, where: str) -> QueryRetrieveClaims:
    table = claims_table.get("query_retrieve", {})
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: [claims.query_retrieve] must be a table")
    check_keys(table, QUERY_RETRIEVE_KEYS, f"{where} [claims.query_retrieve]")
    models = tuple(table.get("models", ["study_root"]))
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ProfileError(f"{where}: [claims.query_retrieve] models: unknown {sorted(unknown)}; known: "
                           f"{', '.join(MODELS)}")
    operations = tuple(table.get("operations", ["C-FIND"]))
    unknown = set(operations) - set(OPERATIONS)
    if unknown:
        raise ProfileError(f"{where}: [claims.query_retrieve] operations: unknown {sorted(unknown)}; known: "
                           f"{', '.join(OPERATIONS)}")
    keys = table.get("optional_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ProfileError(f"{where}: [claims.query_retrieve] optional_keys must be a list of attribute keywords")
    return QueryRetrieveClaims(models=models, operations=operations, relational=bool(table.get("relational", False)),
                               optional_keys=tuple(keys))
