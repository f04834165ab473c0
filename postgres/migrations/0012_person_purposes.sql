-- +goose Up
-- The purposes a person's data was collected for (S3): comma-separated,
-- sorted purpose keys of the policy, '' when none was recorded. Purpose
-- keys are not personal data, so they are stored in the clear; retention
-- sweeps apply purpose-scoped rules to people recorded with their purposes.
ALTER TABLE people ADD COLUMN purposes TEXT NOT NULL DEFAULT '';

-- +goose Down
-- Vern migrates forward only.
