-- Multi-tenant SaaS schema: UUID keys, tenant-leading composite keys, JSONB payloads, one hot
-- counter row. Everything here is DSQL-compatible except the synchronous CREATE INDEX (DSQL wants
-- CREATE INDEX ASYNC; dsql-lint fixes it).
CREATE TABLE tenants (
    tenant_id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    plan        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    tenant_id    uuid NOT NULL,
    user_id      uuid NOT NULL DEFAULT gen_random_uuid(),
    email        text NOT NULL,
    display_name text,
    last_seen_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email);

CREATE TABLE projects (
    tenant_id  uuid NOT NULL,
    project_id uuid NOT NULL DEFAULT gen_random_uuid(),
    owner_id   uuid NOT NULL,
    name       text NOT NULL,
    status     text NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, project_id)
);

CREATE TABLE events (
    tenant_id  uuid NOT NULL,
    event_id   uuid NOT NULL DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL,
    user_id    uuid NOT NULL,
    kind       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX events_project_time ON events (tenant_id, project_id, created_at);

CREATE TABLE usage_daily (
    tenant_id uuid NOT NULL,
    day       date NOT NULL,
    metric    text NOT NULL,
    amount    bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, metric)
);

-- One row, updated by every request: the hot counter.
CREATE TABLE global_stats (
    id         integer PRIMARY KEY,
    requests   bigint NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Seed: 300 tenants, 8 users and 4 projects each, 15 events per project (deterministic text,
-- random UUIDs).
INSERT INTO tenants (name, plan, settings, created_at)
SELECT format('tenant-%s', lpad(g::text, 4, '0')),
       (ARRAY['free', 'team', 'business', 'enterprise'])[1 + g % 4],
       jsonb_build_object('theme', 'light', 'seats', 5 + g % 50, 'features', jsonb_build_array('a', 'b')),
       timestamptz '2026-01-01' + g * interval '1 hour'
FROM generate_series(1, 300) AS g;

INSERT INTO users (tenant_id, email, display_name, created_at)
SELECT t.tenant_id, format('user%s@%s.example', u, t.name), format('User %s', u), t.created_at
FROM tenants t CROSS JOIN generate_series(1, 8) AS u;

INSERT INTO projects (tenant_id, owner_id, name, created_at)
SELECT t.tenant_id,
       (SELECT user_id FROM users x WHERE x.tenant_id = t.tenant_id ORDER BY email LIMIT 1),
       format('project-%s', p), t.created_at
FROM tenants t CROSS JOIN generate_series(1, 4) AS p;

INSERT INTO events (tenant_id, project_id, user_id, kind, payload, created_at)
SELECT p.tenant_id, p.project_id, p.owner_id,
       (ARRAY['view', 'edit', 'comment', 'share'])[1 + e % 4],
       jsonb_build_object('seq', e, 'source', 'seed', 'tags', jsonb_build_array('x', e % 7)),
       timestamptz '2026-11-01' + e * interval '37 minutes'
FROM projects p CROSS JOIN generate_series(1, 15) AS e;

INSERT INTO global_stats VALUES (1, 0, now());

ANALYZE;
