//! Time as the service sees it. Every use case reads the time from the application's clock
//! (through the [`Context`](crate::domain::auth::Context) of a mutation, or a `now` argument), so
//! tests can set and move time instead of sleeping, and every row one request writes carries the
//! same instant.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};

/// A source of wall-clock time (for records and legal dates) and of monotonic time (for
/// intervals and rate limits).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current wall-clock time, to the microsecond: the precision both databases keep, so an
    /// instant written to a row and the same instant in its audit record agree.
    fn now(&self) -> DateTime<Utc>;
    /// Time since an arbitrary fixed origin; never goes backwards.
    fn elapsed(&self) -> Duration;
}

/// The clock the application state holds; cheap to clone.
pub type SharedClock = Arc<dyn Clock>;

/// The system's clock.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
    }

    fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// The system's clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock::default())
}

/// A clock that moves only when told to: for tests and benchmarks that need to cross a minute,
/// an interval or a date without waiting. Both readings move together.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(DateTime<Utc>, Duration)>,
}

impl ManualClock {
    /// A clock standing at `now`.
    pub fn starting_at(now: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new((now, Duration::ZERO)),
        })
    }

    /// A clock standing at the system's time now.
    pub fn starting_now() -> Arc<Self> {
        Self::starting_at(Utc::now())
    }

    /// Moves both readings forward.
    pub fn advance(&self, by: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        s.1 += by;
    }

    /// Sets the wall-clock time (the monotonic reading moves by the difference when it is
    /// forward, and stays when it is backward).
    pub fn set(&self, now: DateTime<Utc>) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(forward) = (now - s.0).to_std() {
            s.1 += forward;
        }
        s.0 = now;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        chrono::SubsecRound::trunc_subsecs(
            self.state.lock().unwrap_or_else(|e| e.into_inner()).0,
            6,
        )
    }

    fn elapsed(&self) -> Duration {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_both_readings_together() {
        let start = DateTime::from_timestamp(1_796_000_000, 0).unwrap();
        let clock = ManualClock::starting_at(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.elapsed(), Duration::ZERO);
        clock.advance(Duration::from_secs(61));
        assert_eq!(clock.now(), start + chrono::Duration::seconds(61));
        assert_eq!(clock.elapsed(), Duration::from_secs(61));
        clock.set(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.elapsed(), Duration::from_secs(61), "never backwards");
    }
}
