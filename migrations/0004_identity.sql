-- How an aws_role integration assumes its role: 'principal' (signpost's AWS keys and the
-- External ID) or 'oidc' (AssumeRoleWithWebIdentity with signpost's own OIDC token).
ALTER TABLE `integrations` ADD `identity` text DEFAULT 'principal' NOT NULL;
