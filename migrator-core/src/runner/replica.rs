//! Replica lag, and the backfill's wait on it (`--max-replica-lag`, `--replica-url`).
//!
//! Between two batches the backfill calls [`ReplicaWatch::wait`]: it measures the lag of every
//! replica and, while one is over the limit, waits (logging which replica and how far behind)
//! until all have caught up. A replica whose lag cannot be told (unreachable, replication
//! stopped) counts as over the limit: a throttle that lets writes through when it cannot see
//! is no throttle. Ctrl-C while waiting stops the run cleanly (every batch done is committed).
//!
//! How lag is measured: the runner notes *marks* on the primary — a position in its write
//! stream and the (local) instant it was reached — each time it measures. A replica that has
//! applied everything up to the newest mark has no lag; otherwise its lag is the time since the
//! first mark it has not reached. Only the runner's own clock is used (no skew between
//! servers), and the figure is exact to one batch: the oldest write the replica misses was
//! made between that mark and the one before. The dialects differ in what the position is:
//!
//! - Postgres: the WAL position. The primary's is `pg_current_wal_lsn()`. A replica's is, with
//!   `--replica-url`, `pg_last_wal_replay_lsn()` read on it (exact); without, the `replay_lsn`
//!   of every physical standby in the primary's `pg_stat_replication` (needs superuser or
//!   `pg_read_all_stats`; as fresh as the standby's `wal_receiver_status_interval`, 10 s by
//!   default — set it to 1s on standbys, or give their URLs). `now() -
//!   pg_last_xact_replay_timestamp()` is not used: on an idle primary it grows without any lag,
//!   and `replay_lag` stays at its last value while replay is paused. A standby that is not
//!   connected is not in `pg_stat_replication`: only `--replica-url` watches it then.
//! - MySQL / MariaDB: a primary cannot see its replicas' progress, so `--replica-url` is
//!   needed. The position is a heartbeat: each measurement writes the next number into
//!   migrator's `migrator_heartbeat` row on the primary and reads the row on every replica.
//!   When the heartbeat cannot be written (no CREATE privilege…), the replicas'
//!   `Seconds_Behind_Master` (`SHOW REPLICA STATUS`, else `SHOW SLAVE STATUS`) is used instead:
//!   whole seconds, and measured by the replica's SQL thread only.
//!
//! Replica URLs may hold passwords: replicas are named by their redacted URL only.

use super::bookkeeping::{create_heartbeat, HEARTBEAT_TABLE};
use super::history::runner_identity;
use super::target::{DbError, Target};
use crate::{connect, DatabaseUrl, Dialect, Error, Result, Settings};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How often the lag is measured again while the backfill waits.
const POLL: Duration = Duration::from_millis(200);
/// How often the waiting is logged again.
const LOG_EVERY: Duration = Duration::from_secs(5);
/// Marks kept at most (a replica further behind than this many measurements is timed from the
/// oldest one kept: its lag is then under-reported, and it is over any sane limit anyway).
const MAX_MARKS: usize = 100_000;

/// One replica's lag, as measured.
#[derive(Debug, Clone)]
pub struct ReplicaLag {
    /// The replica: its redacted URL, or how `pg_stat_replication` names a standby.
    pub name: String,
    /// `None` when it cannot be told (unreachable, replication stopped, not reported yet).
    pub lag: Option<Duration>,
    /// What the figure rests on, for the log (e.g. `replay paused`, `12 MB of WAL behind`).
    pub detail: String,
}

impl ReplicaLag {
    fn over(&self, max: Duration) -> bool {
        self.lag.is_none_or(|lag| lag > max)
    }

    fn describe(&self) -> String {
        let lag = match self.lag {
            Some(lag) => format!("{:.1}s behind", lag.as_secs_f64()),
            None => "lag unknown".to_string(),
        };
        if self.detail.is_empty() {
            format!("{} {lag}", self.name)
        } else {
            format!("{} {lag} ({})", self.name, self.detail)
        }
    }
}

/// Positions of the primary's write stream and when the runner saw them (see the module doc).
#[derive(Debug, Default)]
struct Marks(VecDeque<(u64, Instant)>);

impl Marks {
    /// Notes that the primary is at `pos` now (ignored unless it moved on).
    fn note(&mut self, pos: u64, now: Instant) {
        if self.0.back().is_none_or(|&(last, _)| pos > last) {
            self.0.push_back((pos, now));
            if self.0.len() > MAX_MARKS {
                self.0.pop_front();
            }
        }
    }

    /// The lag of a replica that has applied everything up to `pos`: zero when it has the
    /// newest mark, else the time since the first mark it lacks.
    fn lag(&self, pos: u64, now: Instant) -> Duration {
        match self.0.iter().find(|&&(p, _)| p > pos) {
            Some(&(_, at)) => now.saturating_duration_since(at),
            None => Duration::ZERO,
        }
    }

    /// Forgets the marks every replica has passed (`slowest`: the least position read).
    fn forget_up_to(&mut self, slowest: u64) {
        while self.0.len() > 1 && self.0.front().is_some_and(|&(p, _)| p <= slowest) {
            self.0.pop_front();
        }
    }
}

/// The dialect's way of measuring (see the module doc). `primary` is the runner's connection.
#[async_trait]
trait LagProbe: Send {
    async fn measure(&mut self, primary: &mut dyn Target) -> Result<Vec<ReplicaLag>>;
    async fn close(self: Box<Self>);
}

/// The backfill's replica throttle: created before the batches (no I/O), connects to the
/// replicas at the first [`ReplicaWatch::wait`].
pub struct ReplicaWatch {
    probe: Option<Box<dyn LagProbe>>,
    /// Total time spent waiting, for the final log line.
    waited: Duration,
}

impl ReplicaWatch {
    pub fn new() -> ReplicaWatch {
        ReplicaWatch {
            probe: None,
            waited: Duration::ZERO,
        }
    }

    /// Measures the replicas' lag once (connecting on the first call), whatever the limit.
    pub async fn measure(
        &mut self,
        target: &mut dyn Target,
        settings: &Settings,
    ) -> Result<Vec<ReplicaLag>> {
        if self.probe.is_none() {
            self.probe = Some(probe_for(target, &settings.replica_urls).await?);
        }
        match self.probe.as_mut() {
            Some(probe) => probe.measure(target).await,
            None => Ok(Vec::new()),
        }
    }

    /// With `settings.max_replica_lag` set: returns once every replica is within it, waiting
    /// (and saying so) while one is not. `file` names the migration in messages.
    pub async fn wait(
        &mut self,
        target: &mut dyn Target,
        settings: &Settings,
        file: &str,
    ) -> Result<()> {
        let Some(max) = settings.max_replica_lag else {
            return Ok(());
        };
        let started = Instant::now();
        let mut logged: Option<Instant> = None;
        loop {
            let lags = self.measure(target, settings).await.map_err(|e| {
                Error::Refused(format!(
                    "{file}: the backfill watches replica lag (--max-replica-lag) and could not measure it: {e}. \
                     The batches done are committed and recorded (status partial); fix the cause and `migrator apply` resumes"
                ))
            })?;
            let over: Vec<&ReplicaLag> = lags.iter().filter(|l| l.over(max)).collect();
            if over.is_empty() {
                if logged.is_some() {
                    self.waited += started.elapsed();
                    tracing::info!(
                        "{file}: replicas caught up after {:.1}s ({}); the backfill goes on",
                        started.elapsed().as_secs_f64(),
                        lags.iter()
                            .map(ReplicaLag::describe)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                return Ok(());
            }
            if logged.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
                logged = Some(Instant::now());
                tracing::warn!(
                    "{file}: backfill waiting on replica lag (limit {:.1}s): {}",
                    max.as_secs_f64(),
                    over.iter()
                        .map(|l| l.describe())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if settings.stop.requested() {
                return Err(Error::Interrupted(format!(
                    "{file}: the backfill while waiting on replica lag ({}); the batches done are committed and recorded (status partial). `migrator apply` resumes",
                    over.iter().map(|l| l.describe()).collect::<Vec<_>>().join(", ")
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Closes the replica connections.
    pub async fn close(self) {
        if let Some(probe) = self.probe {
            probe.close().await;
        }
    }

    /// Total time [`ReplicaWatch::wait`] spent waiting so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl Default for ReplicaWatch {
    fn default() -> Self {
        ReplicaWatch::new()
    }
}

/// The probe of the target's dialect.
async fn probe_for(target: &mut dyn Target, urls: &[DatabaseUrl]) -> Result<Box<dyn LagProbe>> {
    let dialect = target.dialect();
    if let Some(other) = urls.iter().find(|u| u.dialect() != dialect) {
        return Err(Error::Refused(format!(
            "replica {} is a {} URL, the target database is {}; give the URLs of the target's own replicas",
            other.redacted(),
            other.dialect(),
            dialect
        )));
    }
    let replicas = urls
        .iter()
        .map(|u| Replica {
            name: u.redacted(),
            url: u.clone(),
        })
        .collect();
    Ok(match dialect {
        Dialect::Postgres => Box::new(PgProbe::new(replicas)),
        Dialect::Mysql => Box::new(MysqlProbe::new(target, replicas).await?),
    })
}

struct Replica {
    name: String,
    url: DatabaseUrl,
}

fn primary_err(what: &str) -> impl Fn(DbError) -> Error + '_ {
    move |e| Error::db(format!("{what} on the primary"), e.message)
}

// ------------------------------------------------------------------------------- Postgres

/// `X/Y` (hex) → a byte position.
fn parse_lsn(text: &str) -> Option<u64> {
    let (hi, lo) = text.split_once('/')?;
    Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB of WAL behind", bytes as f64 / 1_048_576.0)
}

struct PgProbe {
    replicas: Vec<(Replica, Option<tokio_postgres::Client>)>,
    marks: Marks,
    warned_none: bool,
}

impl PgProbe {
    fn new(replicas: Vec<Replica>) -> PgProbe {
        PgProbe {
            replicas: replicas.into_iter().map(|r| (r, None)).collect(),
            marks: Marks::default(),
            warned_none: false,
        }
    }

    /// Every physical standby streaming from the primary, from `pg_stat_replication`.
    async fn standbys(&mut self, primary: &mut dyn Target) -> Result<Vec<ReplicaLag>> {
        // One row even without standbys (the LEFT JOIN): the primary's position is noted
        // anyway. Logical walsenders (CDC) and base backups are not replicas.
        let rows = primary
            .query_text(
                "SELECT pg_current_wal_lsn()::text, r.application_name::text, \
                 coalesce(r.client_addr::text, 'local'), r.state::text, r.replay_lsn::text \
                 FROM (SELECT 1) AS one LEFT JOIN pg_stat_replication AS r \
                 ON r.state IS DISTINCT FROM 'backup' AND NOT EXISTS (SELECT 1 FROM pg_replication_slots AS s \
                 WHERE s.active_pid = r.pid AND s.slot_type = 'logical')",
                &[],
            )
            .await
            .map_err(primary_err("reading pg_stat_replication"))?;
        let now = Instant::now();
        let mut current = None;
        let mut seen = Vec::new();
        for row in &rows {
            let [lsn, app, addr, state, replay] = row.as_slice() else {
                continue;
            };
            current = lsn.as_deref().and_then(parse_lsn);
            if let Some(pos) = current {
                self.marks.note(pos, now);
            }
            let Some(app) = app else { continue };
            let name = format!(
                "standby {} ({})",
                if app.is_empty() { "(unnamed)" } else { app },
                addr.as_deref().unwrap_or("?")
            );
            if state.is_none() {
                return Err(Error::Refused(format!(
                    "{name} is in pg_stat_replication but its replay position is hidden from this role: grant it pg_read_all_stats (GRANT pg_read_all_stats TO …), or give the replicas' URLs with --replica-url"
                )));
            }
            seen.push((name, replay.as_deref().and_then(parse_lsn)));
        }
        let mut lags = Vec::new();
        let mut slowest = None::<u64>;
        for (name, replay) in seen {
            lags.push(match replay {
                Some(pos) => {
                    slowest = Some(slowest.map_or(pos, |s| s.min(pos)));
                    ReplicaLag {
                        name,
                        lag: Some(self.marks.lag(pos, now)),
                        detail: current
                            .filter(|&c| c > pos)
                            .map(|c| megabytes(c - pos))
                            .unwrap_or_default(),
                    }
                }
                None => ReplicaLag {
                    name,
                    lag: None,
                    detail: "no replay position reported yet".into(),
                },
            });
        }
        if let Some(slowest) = slowest {
            self.marks.forget_up_to(slowest);
        }
        if lags.is_empty() && !self.warned_none {
            self.warned_none = true;
            tracing::warn!(
                "--max-replica-lag: no standby is streaming from the primary (pg_stat_replication has none), so there is no lag to wait for; give --replica-url to watch replicas even while they are disconnected"
            );
        }
        Ok(lags)
    }

    /// The replicas named by URL: their replay position, read on each.
    async fn by_url(&mut self, primary: &mut dyn Target) -> Result<Vec<ReplicaLag>> {
        let rows = primary
            .query_text("SELECT pg_current_wal_lsn()::text", &[])
            .await
            .map_err(primary_err("reading pg_current_wal_lsn()"))?;
        let now = Instant::now();
        let current = rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .as_deref()
            .and_then(parse_lsn);
        if let Some(pos) = current {
            self.marks.note(pos, now);
        }
        let mut lags = Vec::new();
        let mut slowest = None::<u64>;
        let mut all_known = true;
        for (replica, client) in &mut self.replicas {
            let (pos, detail) = match pg_replay(replica, client).await {
                Ok(read) => read,
                Err(ReadError::Fatal(e)) => return Err(e),
                Err(ReadError::Unreachable(message)) => {
                    *client = None;
                    (None, message)
                }
            };
            let now = Instant::now();
            match pos {
                Some(pos) => slowest = Some(slowest.map_or(pos, |s| s.min(pos))),
                None => all_known = false,
            }
            let detail = match (pos, current) {
                (Some(p), Some(c)) if c > p && detail.is_empty() => megabytes(c - p),
                (Some(p), Some(c)) if c > p => format!("{detail}, {}", megabytes(c - p)),
                _ => detail,
            };
            lags.push(ReplicaLag {
                name: replica.name.clone(),
                lag: pos.map(|p| self.marks.lag(p, now)),
                detail,
            });
        }
        if let (Some(slowest), true) = (slowest, all_known) {
            self.marks.forget_up_to(slowest);
        }
        Ok(lags)
    }
}

/// Why a replica could not be read: a configuration error (stop), or a passing one (the
/// replica counts as lagging, and is connected again next time).
enum ReadError {
    Fatal(Error),
    Unreachable(String),
}

async fn pg_replay(
    replica: &Replica,
    client: &mut Option<tokio_postgres::Client>,
) -> std::result::Result<(Option<u64>, String), ReadError> {
    if client.as_ref().is_none_or(|c| c.is_closed()) {
        *client = Some(
            connect::postgres(&replica.url, "migrator replica lag")
                .await
                .map_err(|e| ReadError::Unreachable(format!("unreachable: {e}")))?,
        );
    }
    let Some(c) = client.as_ref() else {
        return Err(ReadError::Unreachable("not connected".into()));
    };
    let row = c
        .query_one(
            "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, \
             CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END",
            &[],
        )
        .await
        .map_err(|e| {
            ReadError::Unreachable(format!(
                "query failed: {}",
                crate::url::redact_text(&e.to_string())
            ))
        })?;
    let in_recovery: bool = row.try_get(0).unwrap_or(false);
    if !in_recovery {
        return Err(ReadError::Fatal(Error::Refused(format!(
            "replica {} is not a standby (pg_is_in_recovery() is false): --replica-url / replica-urls must name replicas of the target database, not the primary or another server",
            replica.name
        ))));
    }
    let lsn: Option<String> = row.try_get(1).unwrap_or(None);
    let paused: bool = row.try_get(2).unwrap_or(false);
    Ok((
        lsn.as_deref().and_then(parse_lsn),
        if paused {
            "WAL replay paused".into()
        } else {
            String::new()
        },
    ))
}

#[async_trait]
impl LagProbe for PgProbe {
    async fn measure(&mut self, primary: &mut dyn Target) -> Result<Vec<ReplicaLag>> {
        if self.replicas.is_empty() {
            self.standbys(primary).await
        } else {
            self.by_url(primary).await
        }
    }

    async fn close(self: Box<Self>) {
        // Dropping a tokio-postgres client closes its connection.
    }
}

// ------------------------------------------------------------------------------- MySQL

struct MysqlProbe {
    replicas: Vec<(Replica, Option<mysql_async::Conn>)>,
    marks: Marks,
    /// The heartbeat table, qualified with the primary's database (the replica URLs may name
    /// another database, or none); `None` when it could not be written: Seconds_Behind_Master.
    heartbeat: Option<String>,
    source: String,
    beat: u64,
}

impl MysqlProbe {
    async fn new(primary: &mut dyn Target, replicas: Vec<Replica>) -> Result<MysqlProbe> {
        if replicas.is_empty() {
            return Err(Error::Refused(
                "--max-replica-lag on MySQL / MariaDB needs the replicas' URLs: a primary cannot tell how far its replicas are. Add --replica-url mysql://user:password@replica:3306/db (repeatable), or replica-urls = [\"…\"] in migrator.toml".into(),
            ));
        }
        let mut source = runner_identity();
        source.truncate(255);
        let mut probe = MysqlProbe {
            replicas: replicas.into_iter().map(|r| (r, None)).collect(),
            marks: Marks::default(),
            heartbeat: None,
            source,
            beat: 0,
        };
        let database = primary
            .query_text("SELECT DATABASE()", &[])
            .await
            .map_err(primary_err("reading the current database"))?
            .first()
            .and_then(|r| r.first().cloned().flatten());
        let created = match &database {
            Some(_) => primary.execute(&create_heartbeat(Dialect::Mysql)).await,
            None => Err(DbError {
                message: "no database selected".into(),
                retryable: false,
                already_done: false,
                connection_lost: false,
            }),
        };
        match (created, database) {
            (Ok(()), Some(db)) => {
                probe.heartbeat = Some(format!(
                    "{}.{}",
                    Dialect::Mysql.ident(&db),
                    Dialect::Mysql.ident(HEARTBEAT_TABLE)
                ))
            }
            (Err(e), _) => tracing::warn!(
                "--max-replica-lag: could not create {HEARTBEAT_TABLE} on the primary ({}); using the replicas' Seconds_Behind_Master instead (whole seconds)",
                e.message
            ),
            (Ok(()), None) => {}
        }
        Ok(probe)
    }
}

fn my_err(e: mysql_async::Error) -> String {
    crate::url::redact_text(&match &e {
        mysql_async::Error::Server(s) => format!("{} (error {})", s.message, s.code),
        other => other.to_string(),
    })
}

/// ER_NO_SUCH_TABLE, ER_PARSE_ERROR.
const NO_SUCH_TABLE: u16 = 1146;
const PARSE_ERROR: u16 = 1064;

async fn my_conn<'a>(
    replica: &Replica,
    conn: &'a mut Option<mysql_async::Conn>,
) -> std::result::Result<&'a mut mysql_async::Conn, ReadError> {
    if conn.is_none() {
        *conn = Some(
            connect::mysql(&replica.url)
                .await
                .map_err(|e| ReadError::Unreachable(format!("unreachable: {e}")))?,
        );
    }
    conn.as_mut()
        .ok_or_else(|| ReadError::Unreachable("not connected".into()))
}

/// The heartbeat number the replica has (0: none yet).
async fn my_beat(
    replica: &Replica,
    conn: &mut Option<mysql_async::Conn>,
    table: &str,
    source: &str,
) -> std::result::Result<u64, ReadError> {
    use mysql_async::prelude::Queryable;
    let c = my_conn(replica, conn).await?;
    let sql = format!("SELECT CAST(beat AS CHAR) FROM {table} WHERE source = ?");
    match c.exec_first::<Option<String>, _, _>(sql, (source,)).await {
        Ok(v) => Ok(v.flatten().and_then(|s| s.parse().ok()).unwrap_or(0)),
        // Not replicated yet: no beat seen.
        Err(mysql_async::Error::Server(s)) if s.code == NO_SUCH_TABLE => Ok(0),
        Err(e) => Err(ReadError::Unreachable(format!(
            "query failed: {}",
            my_err(e)
        ))),
    }
}

/// Seconds_Behind_Master / Seconds_Behind_Source, with why it is NULL.
async fn my_status(
    replica: &Replica,
    conn: &mut Option<mysql_async::Conn>,
) -> std::result::Result<(Option<Duration>, String), ReadError> {
    use mysql_async::prelude::Queryable;
    let c = my_conn(replica, conn).await?;
    let row: Option<mysql_async::Row> = match c.query_first("SHOW REPLICA STATUS").await {
        Err(mysql_async::Error::Server(s)) if s.code == PARSE_ERROR => {
            c.query_first("SHOW SLAVE STATUS").await.map_err(|e| {
                ReadError::Unreachable(format!("SHOW SLAVE STATUS failed: {}", my_err(e)))
            })?
        }
        other => other.map_err(|e| {
            ReadError::Unreachable(format!("SHOW REPLICA STATUS failed: {}", my_err(e)))
        })?,
    };
    let Some(row) = row else {
        return Err(ReadError::Fatal(Error::Refused(format!(
            "replica {} is not a replica (SHOW REPLICA STATUS is empty): --replica-url / replica-urls must name replicas of the target database",
            replica.name
        ))));
    };
    let column = |names: &[&str]| -> Option<String> {
        let columns = row.columns_ref();
        let i = columns
            .iter()
            .position(|c| names.contains(&c.name_str().as_ref()))?;
        row.as_ref(i).cloned().and_then(super::mysql::value_text)
    };
    let seconds = column(&["Seconds_Behind_Master", "Seconds_Behind_Source"])
        .and_then(|s| s.parse::<u64>().ok());
    let sql_running = column(&["Slave_SQL_Running", "Replica_SQL_Running"]).unwrap_or_default();
    let io_running = column(&["Slave_IO_Running", "Replica_IO_Running"]).unwrap_or_default();
    let detail = if sql_running != "Yes" {
        "SQL thread not running".to_string()
    } else if io_running != "Yes" {
        "I/O thread not running".to_string()
    } else {
        String::new()
    };
    Ok((seconds.map(Duration::from_secs), detail))
}

#[async_trait]
impl LagProbe for MysqlProbe {
    async fn measure(&mut self, primary: &mut dyn Target) -> Result<Vec<ReplicaLag>> {
        let mut lags = Vec::new();
        let Some(table) = self.heartbeat.clone() else {
            for (replica, conn) in &mut self.replicas {
                let (lag, detail) = match my_status(replica, conn).await {
                    Ok(read) => read,
                    Err(ReadError::Fatal(e)) => return Err(e),
                    Err(ReadError::Unreachable(m)) => {
                        *conn = None;
                        (None, m)
                    }
                };
                lags.push(ReplicaLag {
                    name: replica.name.clone(),
                    lag,
                    detail,
                });
            }
            return Ok(lags);
        };
        self.beat += 1;
        let beat = self.beat.to_string();
        primary
            .query_text(
                &format!(
                    "REPLACE INTO {table} (source, beat, written_at) VALUES (?, ?, UTC_TIMESTAMP(6))"
                ),
                &[&self.source, &beat],
            )
            .await
            .map_err(primary_err(&format!("writing the heartbeat into {HEARTBEAT_TABLE}")))?;
        self.marks.note(self.beat, Instant::now());
        let mut slowest = None::<u64>;
        let mut all_known = true;
        for (replica, conn) in &mut self.replicas {
            let read = my_beat(replica, conn, &table, &self.source).await;
            let now = Instant::now();
            lags.push(match read {
                Ok(seen) => {
                    slowest = Some(slowest.map_or(seen, |s| s.min(seen)));
                    let behind = self.beat.saturating_sub(seen);
                    ReplicaLag {
                        name: replica.name.clone(),
                        lag: Some(self.marks.lag(seen, now)),
                        detail: if behind > 1 {
                            format!("{} heartbeats behind", behind)
                        } else {
                            String::new()
                        },
                    }
                }
                Err(ReadError::Fatal(e)) => return Err(e),
                Err(ReadError::Unreachable(m)) => {
                    *conn = None;
                    all_known = false;
                    ReplicaLag {
                        name: replica.name.clone(),
                        lag: None,
                        detail: m,
                    }
                }
            });
        }
        if let (Some(slowest), true) = (slowest, all_known) {
            self.marks.forget_up_to(slowest);
        }
        Ok(lags)
    }

    async fn close(self: Box<Self>) {
        for (_, conn) in self.replicas {
            if let Some(conn) = conn {
                let _ = conn.disconnect().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_the_time_since_the_first_mark_a_replica_lacks() {
        let t0 = Instant::now();
        let mut marks = Marks::default();
        marks.note(100, t0);
        marks.note(200, t0 + Duration::from_secs(1));
        marks.note(200, t0 + Duration::from_secs(2)); // not moved: ignored
        marks.note(300, t0 + Duration::from_secs(3));
        let now = t0 + Duration::from_secs(4);
        assert_eq!(marks.lag(300, now), Duration::ZERO);
        assert_eq!(marks.lag(350, now), Duration::ZERO);
        assert_eq!(marks.lag(250, now), Duration::from_secs(1));
        assert_eq!(marks.lag(150, now), Duration::from_secs(3));
        assert_eq!(marks.lag(50, now), Duration::from_secs(4));
        marks.forget_up_to(200);
        assert_eq!(marks.lag(250, now), Duration::from_secs(1));
        assert_eq!(marks.0.len(), 1);
    }

    #[test]
    fn lsns_parse_as_byte_positions() {
        assert_eq!(parse_lsn("0/16B3748"), Some(0x16B3748));
        assert_eq!(parse_lsn("1/0"), Some(1 << 32));
        assert_eq!(parse_lsn("nonsense"), None);
    }

    #[test]
    fn a_replica_of_unknown_lag_is_over_any_limit() {
        let l = ReplicaLag {
            name: "postgres://u:***@r/db".into(),
            lag: None,
            detail: "unreachable".into(),
        };
        assert!(l.over(Duration::from_secs(3600)));
        assert_eq!(
            l.describe(),
            "postgres://u:***@r/db lag unknown (unreachable)"
        );
    }
}
