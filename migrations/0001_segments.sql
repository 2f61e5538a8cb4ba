CREATE TABLE "segments" (
	"env_key" text NOT NULL,
	"key" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"definition" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segments_pk" PRIMARY KEY("env_key","key")
);
--> statement-breakpoint
ALTER TABLE "segments" ADD CONSTRAINT "segments_env_key_environments_key_fk" FOREIGN KEY ("env_key") REFERENCES "public"."environments"("key") ON DELETE cascade ON UPDATE no action;