-- Operations: per-minute usage counts and the claims that rate-limit request-triggered re-validation.
CREATE TABLE `usage_counts` (
	`integration_id` text NOT NULL,
	`minute` integer NOT NULL,
	`metric` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`integration_id`, `minute`, `metric`)
);
--> statement-breakpoint
CREATE INDEX `usage_counts_minute` ON `usage_counts` (`minute`);--> statement-breakpoint
CREATE TABLE `revalidation_claims` (
	`integration_id` text PRIMARY KEY NOT NULL,
	`claimed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `last_errors` (
	`integration_id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`code` text NOT NULL,
	`status` integer NOT NULL,
	`request_id` text NOT NULL
);
