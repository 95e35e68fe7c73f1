CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`integrations` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`detail` text DEFAULT '{}' NOT NULL,
	`request_id` text,
	`ip` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`role_arn` text,
	`external_id` text,
	`access_key_id` text,
	`secret_access_key_enc` text,
	`region` text DEFAULT 'us-east-1' NOT NULL,
	`endpoint` text,
	`scopes` text DEFAULT '[]' NOT NULL,
	`ip_allowlist` text DEFAULT '[]' NOT NULL,
	`write_scopes` text DEFAULT '[]' NOT NULL,
	`url_ttl_seconds` integer,
	`session_duration_seconds` integer DEFAULT 3600 NOT NULL,
	`require_signed_links` integer DEFAULT false NOT NULL,
	`is_default` integer,
	`status` text DEFAULT 'unchecked' NOT NULL,
	`external_id_insecure` integer DEFAULT false NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`last_checked_at` integer,
	`last_used_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `integrations_external_id_unique` ON `integrations` (`external_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `integrations_single_default` ON `integrations` (`is_default`);--> statement-breakpoint
CREATE TABLE `validation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`ok` integer NOT NULL,
	`checks` text NOT NULL,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `validation_runs_integration` ON `validation_runs` (`integration_id`,`checked_at`);