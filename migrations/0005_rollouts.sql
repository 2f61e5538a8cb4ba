CREATE TABLE "rollouts" (
	"id" text PRIMARY KEY NOT NULL,
	"flag_key" text NOT NULL,
	"env_key" text NOT NULL,
	"variation" integer NOT NULL,
	"baseline" integer NOT NULL,
	"stages" jsonb NOT NULL,
	"state" text NOT NULL,
	"current_stage" integer DEFAULT -1 NOT NULL,
	"next_at" timestamp with time zone,
	"paused_remaining_ms" bigint,
	"guard" jsonb,
	"before" jsonb NOT NULL,
	"pause_reason" text,
	"comment" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"flag_key" text NOT NULL,
	"env_key" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"patch" jsonb NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"error" text,
	"comment" text,
	"created_by" text NOT NULL,
	"executed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_flag_key_flags_key_fk" FOREIGN KEY ("flag_key") REFERENCES "public"."flags"("key") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_env_key_environments_key_fk" FOREIGN KEY ("env_key") REFERENCES "public"."environments"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_flag_key_flags_key_fk" FOREIGN KEY ("flag_key") REFERENCES "public"."flags"("key") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_env_key_environments_key_fk" FOREIGN KEY ("env_key") REFERENCES "public"."environments"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollouts_state_next_at_idx" ON "rollouts" USING btree ("state","next_at");--> statement-breakpoint
CREATE INDEX "rollouts_flag_key_env_key_idx" ON "rollouts" USING btree ("flag_key","env_key");--> statement-breakpoint
CREATE INDEX "schedules_state_at_idx" ON "schedules" USING btree ("state","at");