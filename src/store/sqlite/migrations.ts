/** The SQLite registry schema, one entry per version; never edit an applied entry, add a new one. */
import type { Migration } from '../migration.ts';

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'registry',
    sql: `
      CREATE TABLE models (
        name TEXT PRIMARY KEY,
        description TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- Outlives the model so that version numbers are never handed out twice.
      CREATE TABLE version_counters (
        model TEXT PRIMARY KEY,
        last_version INTEGER NOT NULL
      );
      CREATE TABLE versions (
        model TEXT NOT NULL REFERENCES models (name) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed', 'archived')),
        status_reason TEXT,
        description TEXT NOT NULL,
        artifact TEXT NOT NULL,
        artifact_sha256 TEXT NOT NULL,
        serving_artifact TEXT,
        serving_sha256 TEXT,
        signature TEXT NOT NULL,
        features TEXT,
        metrics TEXT NOT NULL,
        params TEXT NOT NULL,
        tags TEXT NOT NULL,
        lineage TEXT NOT NULL,
        model_card TEXT,
        reference_profile TEXT,
        extra TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (model, version)
      );
      CREATE INDEX versions_created ON versions (model, created_at);
      CREATE INDEX versions_artifact ON versions (artifact_sha256);
      CREATE TABLE aliases (
        model TEXT NOT NULL,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (model, alias),
        FOREIGN KEY (model, version) REFERENCES versions (model, version) ON DELETE CASCADE
      );
      CREATE TABLE approvals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        alias TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        actor TEXT NOT NULL,
        comment TEXT NOT NULL,
        created_at TEXT NOT NULL,
        FOREIGN KEY (model, version) REFERENCES versions (model, version) ON DELETE CASCADE
      );
      CREATE INDEX approvals_version ON approvals (model, version, alias);
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        report TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        FOREIGN KEY (model, version) REFERENCES versions (model, version) ON DELETE CASCADE
      );
      CREATE INDEX evaluations_version ON evaluations (model, version);
      -- Append-only; AUTOINCREMENT keeps ids increasing and never reused. No foreign key: history outlives models.
      CREATE TABLE history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model TEXT NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER,
        alias TEXT,
        previous_version INTEGER,
        actor TEXT NOT NULL,
        reason TEXT,
        data TEXT NOT NULL,
        at TEXT NOT NULL
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
        name TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        batching TEXT,
        revision INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
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
        prefix TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
      );
      -- The audit chain: ids are assigned as last + 1 under the write lock, so they run 1, 2, 3, … without gaps.
      -- Times and details are kept as text so the hashed bytes come back exactly as written.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        request_hash TEXT,
        outcome TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'rollouts',
    sql: `
      -- Traffic policy beside the stable version: candidate weight, shadow mirror, previews, sticky key.
      ALTER TABLE endpoints ADD COLUMN policy TEXT;
      CREATE TABLE rollouts (
        id TEXT PRIMARY KEY,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        strategy TEXT NOT NULL,
        stable_version INTEGER NOT NULL,
        candidate_version INTEGER NOT NULL,
        plan TEXT NOT NULL,
        phase TEXT NOT NULL,
        -- 1 while pending, progressing, paused or promoting: at most one such rollout per endpoint.
        active INTEGER NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX rollouts_one_active ON rollouts (endpoint) WHERE active = 1;
      CREATE INDEX rollouts_endpoint ON rollouts (endpoint, created_at);
      CREATE TABLE rollout_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint TEXT NOT NULL,
        rollout_id TEXT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX rollout_events_endpoint ON rollout_events (endpoint, id);
      -- Shadow comparisons, one row per serving process, summed by the controller.
      CREATE TABLE shadow_stats (
        endpoint TEXT NOT NULL,
        source TEXT NOT NULL,
        shadow_version INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL,
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
        request_id TEXT PRIMARY KEY,
        endpoint TEXT NOT NULL,
        version INTEGER NOT NULL,
        at TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        inputs TEXT NOT NULL,
        outputs TEXT NOT NULL,
        prediction TEXT,
        size_bytes INTEGER NOT NULL,
        feedback TEXT,
        feedback_at TEXT
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
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        names TEXT NOT NULL
      );
      ALTER TABLE predictions ADD COLUMN features_id INTEGER REFERENCES prediction_features (id);
    `,
  },
];
