-- mashwatch state, migration 7: caseload alerts.  A worker at
-- or over caseloads.red raises a 'caseload' alert (rule 'caseload', the
-- worker as instance) to the team's manager; it resolves once the worker
-- is below caseloads.amber.  The notifier writes them, and the data-quality
-- findings on addresses of the teams view (rule 'address').
alter table mashwatch.alerts drop constraint alerts_level_check;
alter table mashwatch.alerts add constraint alerts_level_check
    check (level in ('due_soon', 'overdue', 'escalated', 'repeat', 'check',
                     'data_quality', 'caseload'));
