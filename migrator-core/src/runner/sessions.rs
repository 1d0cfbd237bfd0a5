//! Runner sessions handed from one target to the next. A fleet's targets are often schemas of
//! one Postgres database or databases of one MySQL server: a runner done with one of them
//! passes its connection on ([`Target::retarget`]) instead of the next one connecting anew,
//! as connecting and authenticating cost more than migrating an empty tenant.

use super::connect;
use super::target::Target;
use crate::{DatabaseUrl, Result};
use std::sync::Mutex;

pub(crate) struct Sessions {
    keep: bool,
    /// Sessions between two targets, with the target each one last served.
    idle: Mutex<Vec<(DatabaseUrl, Box<dyn Target>)>>,
}

impl Sessions {
    /// Every session used for one target and closed.
    pub(crate) fn one_off() -> Sessions {
        Sessions {
            keep: false,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sessions kept between targets (at most as many as run at once), until
    /// [`Sessions::close_all`].
    pub(crate) fn kept() -> Sessions {
        Sessions {
            keep: true,
            ..Sessions::one_off()
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(DatabaseUrl, Box<dyn Target>)>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A session for `url`: an idle one switched over to it, or a new connection.
    pub(crate) async fn open(&self, url: &DatabaseUrl) -> Result<Box<dyn Target>> {
        let found = {
            let mut idle = self.idle();
            idle.iter()
                .position(|(served, _)| served.session_reusable_for(url))
                .map(|i| idle.swap_remove(i).1)
        };
        if let Some(mut target) = found {
            match target.retarget(url).await {
                Ok(true) => return Ok(target),
                // A session that cannot switch (or broke) is not worth keeping.
                Ok(false) | Err(_) => target.close().await,
            }
        }
        connect::connect(url).await
    }

    /// Done with `target`, which served `url`: kept for another target after a run that
    /// succeeded, closed after a failure (which may leave the session in any state).
    pub(crate) async fn done(&self, url: &DatabaseUrl, target: Box<dyn Target>, ok: bool) {
        if self.keep && ok {
            self.idle().push((url.clone(), target));
        } else {
            target.close().await;
        }
    }

    pub(crate) async fn close_all(&self) {
        let idle = std::mem::take(&mut *self.idle());
        for (_, target) in idle {
            target.close().await;
        }
    }
}
