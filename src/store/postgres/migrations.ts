/** The PostgreSQL registry schema, one entry per version; never edit an applied entry, add a new one. */
import type { Migration } from '../migration.ts';

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'registry',
    sql: `
      CREATE TABLE models (
        name text PRIMARY KEY,
        description text NOT NULL,
        tags jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL
      );
      -- Outlives the model so that version numbers are never handed out twice.
      CREATE TABLE version_counters (
        model text PRIMARY KEY,
        last_version integer NOT NULL
      );
      CREATE TABLE versions (
        model text NOT NULL REFERENCES models (name) ON DELETE CASCADE,
        version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'ready', 'failed', 'archived')),
        status_reason text,
        description text NOT NULL,
        artifact jsonb NOT NULL,
        artifact_sha256 text NOT NULL,
        serving_artifact jsonb,
        serving_sha256 text,
        signature jsonb NOT NULL,
        features jsonb,
        metrics jsonb NOT NULL,
        params jsonb NOT NULL,
        tags jsonb NOT NULL,
        lineage jsonb NOT NULL,
        model_card text,
        reference_profile jsonb,
        extra jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (model, version)
      );
      CREATE INDEX versions_created ON versions (model, created_at);
      CREATE INDEX versions_artifact ON versions (artifact_sha256);
      CREATE TABLE aliases (
        model text NOT NULL,
        alias text NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        PRIMARY KEY (model, alias),
        FOREIGN KEY (model, version) REFERENCES versions (model, version) ON DELETE CASCADE
      );
      CREATE TABLE approvals (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        model text NOT NULL,
        version integer NOT NULL,
        alias text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
        actor text NOT NULL,
        comment text NOT NULL,
        created_at timestamptz NOT NULL,
        FOREIGN KEY (model, version) REFERENCES versions (model, version) ON DELETE CASCADE
      );
      CREATE INDEX approvals_version ON approvals (model, version, alias);
      CREATE TABLE evaluations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        model text NOT NULL,
        version integer NOT NULL,
        verdict text NOT NULL,
        report jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        FOREIGN KEY (model, version) REFERENCES versions (model, version) ON DELETE CASCADE
      );
      CREATE INDEX evaluations_version ON evaluations (model, version);
      -- Append-only, no foreign key: history outlives models. Writers hold the model's row lock,
      -- so one model's ids are allocated in commit order and id cursors never skip an event.
      CREATE TABLE history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        model text NOT NULL,
        kind text NOT NULL,
        version integer,
        alias text,
        previous_version integer,
        actor text NOT NULL,
        reason text,
        data jsonb NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE INDEX history_model ON history (model, id);
      CREATE INDEX history_alias ON history (model, alias, at);
    `,
  },
  {
    version: 2,
    name: 'endpoints',
    sql: `
      CREATE TABLE endpoints (
        name text PRIMARY KEY,
        model text NOT NULL,
        version integer NOT NULL,
        batching jsonb,
        revision integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      );
      -- No foreign key to versions: the registry asks isDeployed() before deleting one.
      CREATE INDEX endpoints_version ON endpoints (model, version);
    `,
  },
  {
    version: 3,
    name: 'security',
    sql: `
      CREATE TABLE api_keys (
        prefix text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        hash text NOT NULL,
        created_at text NOT NULL,
        created_by text NOT NULL,
        expires_at text,
        revoked_at text
      );
      -- The audit chain: ids are assigned as last + 1 under a table lock, so they run 1, 2, 3, … without gaps.
      -- Times and details are kept as text so the hashed bytes come back exactly as written.
      CREATE TABLE audit_log (
        id bigint PRIMARY KEY,
        at text NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        request_hash text,
        outcome text NOT NULL,
        details text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'rollouts',
    sql: `
      -- Traffic policy beside the stable version: candidate weight, shadow mirror, previews, sticky key.
      ALTER TABLE endpoints ADD COLUMN policy jsonb;
      CREATE TABLE rollouts (
        id text PRIMARY KEY,
        endpoint text NOT NULL,
        model text NOT NULL,
        strategy text NOT NULL,
        stable_version integer NOT NULL,
        candidate_version integer NOT NULL,
        plan jsonb NOT NULL,
        phase text NOT NULL,
        -- 1 while pending, progressing, paused or promoting: at most one such rollout per endpoint.
        active integer NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX rollouts_one_active ON rollouts (endpoint) WHERE active = 1;
      CREATE INDEX rollouts_endpoint ON rollouts (endpoint, created_at);
      CREATE TABLE rollout_events (
        id bigserial PRIMARY KEY,
        endpoint text NOT NULL,
        rollout_id text,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        kind text NOT NULL,
        reason text NOT NULL,
        details jsonb NOT NULL
      );
      CREATE INDEX rollout_events_endpoint ON rollout_events (endpoint, id);
      -- Shadow comparisons, one row per serving process, summed by the controller.
      CREATE TABLE shadow_stats (
        endpoint text NOT NULL,
        source text NOT NULL,
        shadow_version integer NOT NULL,
        data jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (endpoint, source)
      );
    `,
  },
  {
    version: 5,
    name: 'predictions',
    sql: `
      -- Sampled request/response pairs (the prediction log) and the feedback joined to them.
      CREATE TABLE predictions (
        request_id text PRIMARY KEY,
        endpoint text NOT NULL,
        version integer NOT NULL,
        at text NOT NULL,
        at_ms bigint NOT NULL,
        latency_ms double precision NOT NULL,
        inputs text NOT NULL,
        outputs text NOT NULL,
        prediction text,
        size_bytes bigint NOT NULL,
        feedback text,
        feedback_at text
      );
      CREATE INDEX predictions_endpoint ON predictions (endpoint, at_ms);
      CREATE INDEX predictions_at ON predictions (at_ms);
    `,
  },
  {
    version: 6,
    name: 'predictions-size-index',
    sql: `
      -- The retention prune totals size_bytes every run: from this index alone, not by reading every stored row.
      DROP INDEX predictions_at;
      CREATE INDEX predictions_at_size ON predictions (at_ms, size_bytes);
    `,
  },
  {
    version: 7,
    name: 'predictions-labelled-index',
    sql: `
      -- Live quality reads the predictions that have feedback, on every drift run: through this index it reads those
      -- rows alone, not every row logged within the accuracy window (0.5 µs a row, on the serving thread with SQLite).
      CREATE INDEX predictions_labelled ON predictions (endpoint, at_ms) WHERE feedback IS NOT NULL AND prediction IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'prediction-features',
    sql: `
      -- Feature names of logged inputs, one row per distinct list (keyed by the SHA-256 of its JSON): a row whose
      -- features_id is set holds its inputs as the values alone, in the list's order, not the names again.
      CREATE TABLE prediction_features (
        id bigserial PRIMARY KEY,
        digest text NOT NULL UNIQUE,
        names text NOT NULL
      );
      ALTER TABLE predictions ADD COLUMN features_id bigint REFERENCES prediction_features (id);
    `,
  },
];
