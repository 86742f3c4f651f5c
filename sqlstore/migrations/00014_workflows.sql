-- Moderation workflows, per site: a workflow is an ordered list of group
-- approval tasks, attached to pages (for their subtrees). A workflow state is
-- one run on one page; task states record each task's outcome.
CREATE TABLE workflows (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    reapprove_on_edit BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX workflows_site_name ON workflows (site_id, lower(name));
CREATE UNIQUE INDEX workflows_id_site ON workflows (id, site_id);

CREATE TABLE workflow_tasks (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    group_ids TEXT NOT NULL DEFAULT '[]',
    FOREIGN KEY (workflow_id, site_id) REFERENCES workflows (id, site_id)
);
CREATE INDEX workflow_tasks_workflow ON workflow_tasks (workflow_id, position);
CREATE INDEX workflow_tasks_site ON workflow_tasks (site_id);

CREATE TABLE workflow_pages (
    page_id BIGINT PRIMARY KEY REFERENCES pages (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id, site_id) REFERENCES workflows (id, site_id)
);
CREATE INDEX workflow_pages_workflow ON workflow_pages (workflow_id, site_id);
CREATE INDEX workflow_pages_site ON workflow_pages (site_id);

CREATE TABLE workflow_states (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    workflow_id BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'needs_changes', 'approved', 'cancelled')),
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    current_task_id BIGINT REFERENCES workflow_tasks (id) ON DELETE SET NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX workflow_states_running ON workflow_states (page_id) WHERE status IN ('in_progress', 'needs_changes');
CREATE INDEX workflow_states_site ON workflow_states (site_id, status);
CREATE INDEX workflow_states_workflow ON workflow_states (workflow_id);
CREATE INDEX workflow_states_requested_by ON workflow_states (requested_by) WHERE requested_by IS NOT NULL;
CREATE INDEX workflow_states_task ON workflow_states (current_task_id) WHERE current_task_id IS NOT NULL;

CREATE TABLE task_states (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    workflow_state_id BIGINT NOT NULL REFERENCES workflow_states (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES workflow_tasks (id) ON DELETE CASCADE,
    revision_id BIGINT,
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'approved', 'rejected', 'skipped', 'cancelled')),
    finished_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    finished_at {{ts}},
    comment TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL
);
CREATE INDEX task_states_state ON task_states (workflow_state_id, id);
CREATE INDEX task_states_task ON task_states (task_id);
CREATE INDEX task_states_finished_by ON task_states (finished_by) WHERE finished_by IS NOT NULL;
CREATE INDEX task_states_site ON task_states (site_id);

-- Installation-level settings (the default workflow new sites receive).
CREATE TABLE installation_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
