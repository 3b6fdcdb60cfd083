/*
 * mashwatchctl's commands: one table gives the dispatch, `--help`,
 * `help COMMAND` and `COMMAND --help`, so they cannot disagree.
 */
#include <string.h>

#include "ctl.h"

const struct ctl_command ctl_commands[] = {
	{ "migrate", ctl_migrate, "migrate",
	  "create or upgrade the state schema", false },
	{ "status", ctl_status, "status [--json]",
	  "daemons, last poll, open and overdue per clock, outbox, last "
	  "report; exits 0 healthy, 1 degraded, 69 no state database", false },
	{ "check-source", ctl_check_source, "check-source [--format text|json]",
	  "does the source database meet the contract?", false },
	{ "due", ctl_due, "due --clock C [--priority P] --from TIME",
	  "when is a clock started at TIME due?", false },
	{ "ack", ctl_ack, "ack ALERT_ID --by NAME [--reason CODE] "
	  "[--note TEXT] [--until TIME]",
	  "acknowledge an alert: no more reminders for it", false },
	{ "alerts", ctl_alerts, "alerts [--team T] [--clock C] "
	  "[--state open|acked|silenced] [--json]",
	  "open alerts: ids, due, how late, acknowledgement, silence", false },
	{ "silence", ctl_silence, "silence add --clock C [--team T] --until "
	  "TIME --note TEXT [--by NAME] | silence list [--all] [--json] | "
	  "silence expire ID [--by NAME]",
	  "no email about a clock (and team) until a time; kept in history",
	  false },
	{ "queue", ctl_queue, "queue [--json] | queue retry [ID]",
	  "every email held or failing, why, and its next attempt; retry "
	  "sends now", false },
	{ "history", ctl_history, "history --child ID",
	  "every alert, acknowledgement and email about a child", false },
	{ "test-email", ctl_test_email,
	  "test-email default|data_quality|report|partnership|team:ID|"
	  "escalation:ID|route:NAME",
	  "send a test message to a route now", false },
	{ "routes", ctl_routes, "routes [--board USER]",
	  "the effective recipients of every team and clock, and where "
	  "each came from; with --board, the teams USER sees on the board "
	  "and why", false },
	{ "report", ctl_report,
	  "report [--date D | --week D | --month YYYY-MM] "
	  "[--format text|html|csv|json|region] [--table NAME] [--send]",
	  "the nightly report, or a weekly or monthly pack, for any past "
	  "period", false },
	{ "purge", ctl_purge, "purge [--dry-run]",
	  "remove what the retention section keeps no longer; print the "
	  "counts", false },
	{ "region", ctl_region,
	  "region --month YYYY-MM [--format html|csv|json] EXTRACT.json...",
	  "authorities' monthly regional extracts side by side, with the "
	  "region's quartiles, ranks and disclosure control", true },
	{ "forecast", ctl_forecast, "forecast [--at TIME] [--send]",
	  "what will be late by the end of the next working day at the "
	  "current pace; --send emails it where it reaches forecast.alert_at",
	  false },
	{ "help", NULL, "help [COMMAND]", "this text, or one command's", false },
};

const size_t ctl_ncommands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

const struct ctl_command *
ctl_command_find(const char *name)
{
	for (size_t i = 0; i < ctl_ncommands; i++)
		if (strcmp(name, ctl_commands[i].name) == 0)
			return &ctl_commands[i];
	return NULL;
}
