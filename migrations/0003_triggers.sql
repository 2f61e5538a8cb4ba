CREATE TABLE "trigger_alerts" (
	"trigger_id" text NOT NULL,
	"alert_key" text NOT NULL,
	"status" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trigger_alerts_pk" PRIMARY KEY("trigger_id","alert_key")
);
--> statement-breakpoint
CREATE TABLE "triggers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"flag_key" text NOT NULL,
	"env_key" text NOT NULL,
	"action" text NOT NULL,
	"percent" double precision,
	"format" text NOT NULL,
	"on_resolved" text DEFAULT 'none' NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"signing_secret" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"fire_count" integer DEFAULT 0 NOT NULL,
	"last_fired_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "triggers_action_ck" CHECK ("triggers"."action" in ('kill', 'restore', 'throttle'))
);
--> statement-breakpoint
ALTER TABLE "trigger_alerts" ADD CONSTRAINT "trigger_alerts_trigger_id_triggers_id_fk" FOREIGN KEY ("trigger_id") REFERENCES "public"."triggers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "triggers" ADD CONSTRAINT "triggers_flag_key_flags_key_fk" FOREIGN KEY ("flag_key") REFERENCES "public"."flags"("key") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "triggers" ADD CONSTRAINT "triggers_env_key_environments_key_fk" FOREIGN KEY ("env_key") REFERENCES "public"."environments"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "triggers_token_hash_uq" ON "triggers" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "triggers_flag_key_env_key_idx" ON "triggers" USING btree ("flag_key","env_key");