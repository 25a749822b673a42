"""The transform DAG's dbt task group: one `dbt build` (the producer task) and one task per dbt node
that reports it. Imports Airflow and cosmos, so only the DAG file imports this module; what the tasks
do is in aftershock.orchestration (dbt_build_watched, node_outcome, rebuild_node).

cosmos renders the tasks from dbt's manifest (TestBehavior.BUILD: one task per seed and model, and
one per test of two models), each through RenderConfig.node_converters into a DbtNodeWatcher.
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import BaseOperator, task
from airflow.sdk.exceptions import AirflowException
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import DbtResourceType, ExecutionMode, InvocationMode, LoadMode, TestBehavior

from aftershock import orchestration as orch
from aftershock.paths import dbt_project, venv_bin


class DbtNodeWatcher(BaseOperator):
    """One dbt node of the producer's `dbt build`: a model or seed with the tests of it alone, or a
    test of two models. The first try reads the node's outcome from the producer's one XCom and
    fails when dbt failed the node or one of its tests; a retry or a clear runs dbt for the node
    alone (orchestration.node_rebuild_args) into the run's building file."""

    # Nothing is templated: no rendered-fields write per task.
    template_fields = ()
    ui_color = "#d9f0e3"

    def __init__(self, *, unique_id: str, resource_type: str, resource_name: str, producer_task_id: str, **kwargs):
        super().__init__(**kwargs)
        self.unique_id = unique_id
        self.resource_type = resource_type
        self.resource_name = resource_name
        self.producer_task_id = producer_task_id

    def execute(self, context) -> None:
        ti = context["ti"]
        if ti.try_number > 1:
            print(
                f"try {ti.try_number}: dbt {' '.join(orch.node_rebuild_args(self.resource_type, self.resource_name))}"
            )
            orch.rebuild_node(ti.xcom_pull(task_ids="prepare_building"), self.resource_type, self.resource_name)
            return
        results = ti.xcom_pull(task_ids=self.producer_task_id, key=orch.NODE_RESULTS_XCOM)
        ok, log = orch.node_outcome(results, self.unique_id)
        for line in log:
            print(line)
        if not ok:
            raise AirflowException(f"dbt failed {self.unique_id} (the log above; {self.producer_task_id} has dbt's)")


def _node_converter(producer_task_id: str, queue: str):
    """A cosmos node converter: the DbtNodeWatcher of a node, under the task id cosmos gives it."""

    def dbt_node_watcher(*, dag, task_group, node, task_id, detached_from_parent=None, **_) -> DbtNodeWatcher:
        if task_id.endswith("_test"):
            # a detached test: cosmos hands over the last node it rendered, and names the task after the test
            [node] = {
                t.unique_id: t
                for tests in (detached_from_parent or {}).values()
                for t in tests
                # cosmos's calculate_detached_node_name, without its counter of over-long names
                if f"{t.resource_name.split('.')[0]}_test" == task_id
            }.values()
        return DbtNodeWatcher(
            task_id=task_id,
            dag=dag,
            task_group=task_group,
            unique_id=node.unique_id,
            resource_type=node.resource_type.value,
            resource_name=node.resource_name,
            producer_task_id=producer_task_id,
            queue=queue,
        )

    return dbt_node_watcher


def dbt_node_tasks(group_id: str, manifest: Path, building: str, queue: str) -> tuple[DbtTaskGroup, list]:
    """The task group `group_id`: the producer `<group_id>.dbt_producer_watcher` (one `dbt build` of
    the building file whose path `building` renders, in the warehouse pool, never retried) and a
    DbtNodeWatcher per node after it. Returns the group and the node tasks the gate waits for.

    The node tasks start once the producer has ended (the roots with `one_done`, so after a failed
    build they still say which nodes passed and which failed): under `dag.test()` (the tests and the
    bench), which runs one task at a time, a node task waiting beside the build would wait for a
    build that never starts (apache/airflow#56723), and each node task reads its result at once."""
    producer_task_id = f"{group_id}.{orch.WATCHER_PRODUCER}"
    convert = _node_converter(producer_task_id, queue)
    project = ProjectConfig(project_name="aftershock", manifest_path=manifest)
    # cosmos wraps the path in an ObjectStoragePath, whose first use loads every Airflow plugin
    # (~0.8 s on each re-parse); the manifest is a local file, so a plain Path reads the same bytes.
    project.manifest_path = manifest
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=project,
        profile_config=ProfileConfig(
            profile_name="aftershock", target_name="build", profiles_yml_filepath=dbt_project() / "profiles.yml"
        ),
        # cosmos only renders here: every node goes through the converters (LOCAL adds no producer).
        execution_config=ExecutionConfig(
            dbt_project_path=orch.airflow_project(),
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=venv_bin("dbt"),
        ),
        render_config=RenderConfig(
            dbt_project_path=dbt_project(),
            load_method=LoadMode.DBT_MANIFEST,
            # BUILD: a task per seed and model, which reports its tests too (dbt build runs them right after it)
            test_behavior=TestBehavior.BUILD,
            # a relationships test reads two models: its own task, after both
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,
            node_converters={
                DbtResourceType.MODEL: convert,
                DbtResourceType.SEED: convert,
                DbtResourceType.SNAPSHOT: convert,
                DbtResourceType.TEST: convert,
            },
        ),
    )
    nodes = list(group.children.values())
    with group:

        @task(task_id=orch.WATCHER_PRODUCER, pool=orch.WAREHOUSE_POOL, queue=queue, retries=0)
        def dbt_producer_watcher(building: str, ti=None) -> None:
            # retries=0: a failed node is retried by its own task, never by a second build
            orch.dbt_build_watched(building, lambda results: ti.xcom_push(key=orch.NODE_RESULTS_XCOM, value=results))

        producer = dbt_producer_watcher(building)
    for node in nodes:
        if not node.upstream_task_ids:
            producer >> node
            node.trigger_rule = "one_done"
    return group, [n for n in nodes if not n.downstream_task_ids]
