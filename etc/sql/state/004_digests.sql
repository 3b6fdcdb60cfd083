-- mashwatch state, migration 4: one morning digest per route and working
-- day, whatever restarts or fails over.  A digest is claimed by inserting
-- its row here in the same statement that stores its email, under the
-- leader's lease: a second daemon, or this one after a restart, finds the
-- row and sends nothing (the primary key refuses a concurrent claim).

create table mashwatch.digests (
    route       text        not null,  -- as mashwatch.emails.route
    on_date     date        not null,  -- the local working day it is for
    email_id    bigint      references mashwatch.emails on delete set null,
    items       integer     not null,  -- alerts it listed
    claimed_by  text        not null,  -- the lease holder that stored it
    claimed_at  timestamptz not null default now(),
    primary key (route, on_date)
);

-- The digests that migration 2's routes.last_digest_on recorded, so that
-- an upgrade on a working day after reminder_at does not send them again.
insert into mashwatch.digests (route, on_date, items, claimed_by)
    select route, last_digest_on, 0, 'migration 4'
    from mashwatch.routes where last_digest_on is not null;

comment on column mashwatch.routes.last_digest_on is
    'Superseded by mashwatch.digests (migration 4); no longer written.';
