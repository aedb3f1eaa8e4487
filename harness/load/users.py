"""The Locust user classes, one per operation; their weights come from --mix. The operations are plain classes
here; user_classes() makes them Locust users, importing Locust (and so gevent's monkey-patching) only then: only
the load command's process and its workers call it, importing this module patches nothing.

Each user is a closed loop (no wait between tasks). Query and retrieve users first put a study of their own on
the target (not counted in the statistics, but in the ledger --check reads), so every C-FIND/QIDO-RS matches
one study and every C-GET/WADO-RS moves the same amount of data."""

from __future__ import annotations

import random
import time

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.load import ledger
from dicom_harness.load.config import LoadConfig
from dicom_harness.load.wire import STORED, DimseLink, WebLink

STUDY_SIZE = 3       # instances in the study a C-GET / WADO-RS user retrieves


def config_of(environment) -> LoadConfig:
    return LoadConfig.from_json(environment.parsed_options.dh_load_config)


class _LoadUser:
    request_type = ""
    name = ""

    def on_start(self) -> None:
        self.config = config_of(self.environment)
        self.factory = DatasetFactory(seed=random.randrange(2**31), run_id=self.config.run_id)
        self.study = self.factory.study()

    def timed(self, operation) -> None:
        """Run operation() (returns the bytes moved; raises on a failed operation) and report it to Locust."""
        start = time.perf_counter()
        length, error = 0, None
        try:
            length = operation() or 0
        except Exception as exc:           # any failure of the operation is the target's answer
            error = exc
        self.environment.events.request.fire(
            request_type=self.request_type, name=self.name, response_time=(time.perf_counter() - start) * 1000,
            response_length=length, exception=error, context={})

    seed_size = 0          # instances a query or retrieve user puts on the target before its first task
    seeded = False
    stored_so_far = 0

    def ready(self) -> bool:
        """Seed this user's study before its first task; a failure is reported as a failure of the user's
        operation and retried a second later."""
        if self.seeded or not self.seed_size:
            return True
        try:
            self.seed(self.seed_size)
            self.seeded = True
            return True
        except Exception as exc:           # reported as a failure of the operation, retried
            self.environment.events.request.fire(
                request_type=self.request_type, name=self.name, response_time=0, response_length=0,
                exception=RuntimeError(f"could not put this user's study on the target first: {exc}"), context={})
            import gevent
            gevent.sleep(1)
            return False

    def seed(self, count: int) -> None:
        raise NotImplementedError

    def new_instance(self):
        return self.factory.make("CT", study=self.study, private=False)


class _DimseUser(_LoadUser):
    request_type = "DIMSE"

    def on_start(self) -> None:
        super().on_start()
        self.link = DimseLink(self.config.dimse, self.config.calling_ae)

    def on_stop(self) -> None:
        self.link.close()

    def over_association(self, operation):
        """Per user (default): the association is opened once and kept across tasks (reopened if it ended), so
        the figures are those of the operation on an open association. Per task: associate, operate, release,
        all timed: what a sender that opens an association per exchange sees."""
        if self.config.association == "task":
            def whole():
                self.link.open()
                try:
                    return operation()
                finally:
                    self.link.close()
            return whole
        if not self.link.alive:
            self.link.close()
            self.link.open()
        return operation

    def store_one(self, ds) -> int:
        status = self.link.store(ds)
        if status not in STORED:
            raise RuntimeError(f"C-STORE status {status:04X}")
        ledger.record(self.environment, ds, "dimse")
        return len(ds.PixelData)

    def seed(self, count: int) -> None:
        try:
            if not self.link.alive:
                self.link.close()
                self.link.open()
            while self.stored_so_far < count:      # a retry after a failure stores only the rest
                self.store_one(self.new_instance())
                self.stored_so_far += 1
        finally:
            if self.config.association == "task" or not self.link.alive:
                self.link.close()


class EchoUser(_DimseUser):
    name = "C-ECHO"

    def operate(self):
        def operation():
            status = self.link.echo()
            if status != 0x0000:
                raise RuntimeError(f"C-ECHO status {status:04X}")
        self.timed(self.over_association(operation))


class StoreUser(_DimseUser):
    name = "C-STORE"

    def operate(self):
        ds = self.new_instance()
        self.timed(self.over_association(lambda: self.store_one(ds)))


class FindUser(_DimseUser):
    name = "C-FIND"
    seed_size = 1

    def operate(self):
        if not self.ready():
            return
        def operation():
            matches = self.link.find_study(str(self.study.StudyInstanceUID))
            if matches != 1:
                raise RuntimeError(f"C-FIND returned {matches} matches for one stored study, expected 1")
        self.timed(self.over_association(operation))


class GetUser(_DimseUser):
    name = "C-GET"
    seed_size = STUDY_SIZE

    def operate(self):
        if not self.ready():
            return
        def operation():
            received = self.link.get_study(str(self.study.StudyInstanceUID))
            if len(received) != STUDY_SIZE:
                raise RuntimeError(f"C-GET delivered {len(received)} of the study's {STUDY_SIZE} instances")
            return sum(len(ds.PixelData) for ds in received)
        self.timed(self.over_association(operation))


class _WebUser(_LoadUser):
    request_type = "HTTP"

    def on_start(self) -> None:
        super().on_start()
        self.link = WebLink(self.config.dicomweb)

    def on_stop(self) -> None:
        self.link.close()

    def stow_one(self, ds) -> int:
        status, stored, sent = self.link.stow([ds])
        uid = str(ds.SOPInstanceUID)
        if status not in (200, 202) or uid not in stored:
            raise RuntimeError(f"STOW-RS answered {status}" + ("" if status not in (200, 202) else
                                                               ", without the instance in ReferencedSOPSequence"))
        ledger.record(self.environment, ds, "web")
        return sent

    def seed(self, count: int) -> None:
        while self.stored_so_far < count:
            self.stow_one(self.new_instance())
            self.stored_so_far += 1


class StowUser(_WebUser):
    name = "STOW-RS"

    def operate(self):
        ds = self.new_instance()
        self.timed(lambda: self.stow_one(ds))


class QidoUser(_WebUser):
    name = "QIDO-RS"
    seed_size = 1

    def operate(self):
        if not self.ready():
            return
        def operation():
            status, matches, length = self.link.qido_study(str(self.study.StudyInstanceUID))
            if status != 200 or matches != 1:
                raise RuntimeError(f"QIDO-RS answered {status} with {matches} matches for one stored study")
            return length
        self.timed(operation)


class WadoUser(_WebUser):
    name = "WADO-RS"
    seed_size = STUDY_SIZE

    def operate(self):
        if not self.ready():
            return
        def operation():
            status, instances, length = self.link.wado_study(str(self.study.StudyInstanceUID))
            if status != 200 or len(instances) != STUDY_SIZE:
                raise RuntimeError(f"WADO-RS answered {status} with {len(instances)} of {STUDY_SIZE} instances")
            return length
        self.timed(operation)


OPERATION_CLASSES = {"echo": EchoUser, "store": StoreUser, "find": FindUser, "get": GetUser,
                     "stow": StowUser, "qido": QidoUser, "wado": WadoUser}
_users: dict[str, type] = {}


def user_classes() -> dict[str, type]:
    """Operation name -> its Locust User class (closed loop: no wait between tasks). Imports Locust."""
    if not _users:
        from locust import User, constant
        for name, operations in OPERATION_CLASSES.items():
            _users[name] = type(operations.__name__, (operations, User), {
                "tasks": [operations.operate], "wait_time": constant(0), "__module__": __name__})
    return _users


def weighted(weights: dict[str, int]) -> list[type]:
    """The user classes of the mix, with their weights set."""
    classes = []
    for name, weight in weights.items():
        cls = user_classes()[name]
        cls.weight = weight
        classes.append(cls)
    return classes
