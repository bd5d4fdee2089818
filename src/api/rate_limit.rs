//! Per-client rate limiting of the public endpoints: the QR page (`/v/…`, `/V/…`), the
//! verification API (`/api/v1/verify/…`) and the trust list (`/api/v1/trust/…`).
//!
//! The limiter is `governor`'s keyed GCRA limiter, one budget per client address shared by all
//! public paths: `PUBLIC_RATE_LIMIT_PER_MINUTE` requests a minute, of which up to
//! `PUBLIC_RATE_LIMIT_BURST` may come at once. It acts on the raw path before routing, so a
//! public address that has no route yet (or never will) is limited all the same, and a
//! staff path pays only three prefix comparisons.
//!
//! **Each instance limits on its own**: N instances behind a load balancer let a client through
//! at up to N times the configured rate. That is deliberate: a shared counter would cost a
//! database write per public request, which is worse for the database than the requests it
//! would refuse.
//!
//! The client is the TCP peer. IPv6 clients are keyed by their /64, since one host usually holds
//! a whole /64 and could otherwise take a fresh budget per address. Only when the peer is one of
//! `TRUSTED_PROXIES` is `X-Forwarded-For` read: from the right, the first address that is not a
//! trusted proxy is the client. Without trusted proxies the header is ignored, so forging it gains
//! nothing.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use governor::{
    Quota, RateLimiter, clock::Clock as _, middleware::NoOpMiddleware,
    state::keyed::DashMapStateStore,
};
use ipnet::IpNet;
use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, StatusCode, header},
};

use super::problem::Problem;
use crate::service::clock::SharedClock;

/// The limits of the public endpoints, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct PublicLimits {
    /// Requests a minute one client may make; 0 turns the limit off.
    pub per_minute: u32,
    /// Requests a client may make at once before that pace applies.
    pub burst: u32,
    /// Sign-in attempts a minute one client may make, whatever the name tried; 0 turns the limit
    /// off.
    pub login_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

pub use crate::domain::auth::ClientKey;

/// Where staff sign in (the API and the console's form): limited per client, whatever the name
/// tried.
pub const SIGN_IN_PATHS: &[&str] = &["/api/v1/auth/login", "/console/sign-in"];

/// The application's clock as `governor` reads it: monotonic time since the clock's origin.
#[derive(Debug, Clone)]
pub(crate) struct LimiterClock(SharedClock);

impl governor::clock::Clock for LimiterClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

type Limiter =
    RateLimiter<IpAddr, DashMapStateStore<IpAddr>, LimiterClock, NoOpMiddleware<Duration>>;

/// The header a reverse proxy appends the address of its own peer to.
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// Limited requests between two prunings of idle clients from the limiter's table.
const PRUNE_EVERY: u64 = 4096;

/// Wraps an endpoint (the routes, inside the `Edge`), limiting the public paths and sign-in per
/// client.
pub struct RateLimit<E> {
    inner: E,
    limiter: Option<Arc<PublicLimiter>>,
    sign_in: Option<Arc<PublicLimiter>>,
    trusted: Vec<IpNet>,
}

impl<E> RateLimit<E> {
    /// Wraps `inner` with `limits`, timed by `clock`; with a rate of 0 it only passes requests
    /// on.
    pub fn new(inner: E, limits: &PublicLimits, clock: SharedClock) -> Self {
        Self {
            inner,
            limiter: PublicLimiter::new(limits.per_minute, limits.burst, clock.clone())
                .map(Arc::new),
            // Half the minute's attempts may come at once; then the pace applies.
            sign_in: PublicLimiter::new(
                limits.login_per_minute,
                limits.login_per_minute.div_ceil(2),
                clock,
            )
            .map(Arc::new),
            trusted: limits.trusted_proxies.clone(),
        }
    }
}

impl<E: Endpoint> Endpoint for RateLimit<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let peer = req
            .remote_addr()
            .as_socket_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), SocketAddr::ip);
        let forwarded = req
            .headers()
            .get_all(X_FORWARDED_FOR)
            .iter()
            .map(HeaderValue::as_bytes);
        let key = client_key(peer, forwarded, &self.trusted);
        let path = req.uri().path();
        if let Some(limiter) = &self.limiter
            && let Some(surface) = public_surface(path)
            && let Err(retry_after) = limiter.check(key)
        {
            return Ok(too_many_requests(surface, retry_after));
        }
        if let Some(limiter) = &self.sign_in
            && req.method() == poem::http::Method::POST
            && SIGN_IN_PATHS
                .iter()
                .any(|p| path.trim_end_matches('/').eq_ignore_ascii_case(p))
            && let Err(retry_after) = limiter.check(key)
        {
            return Ok(Problem::new(
                "too-many-requests",
                format!(
                    "too many sign-in attempts from this address; try again in {retry_after} seconds"
                ),
            )
            .retry_after(retry_after)
            .into_poem_response());
        }
        req.extensions_mut().insert(ClientKey(key));
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

/// Which public surface a path belongs to: it decides the shape of the 429 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The HTML page a scanned QR code opens; a browser is the client.
    Page,
    /// The public JSON API.
    Api,
}

/// The public surface a raw request path belongs to, or `None` for every other path: the
/// verification page and API, the trust list, and the applicant's side of dossiers (tracking
/// page and API, online submission, the public catalogue and calendar).
pub fn public_surface(path: &str) -> Option<Surface> {
    const PAGES: &[&str] = &["/v/", "/V/", "/d/", "/D/"];
    const APIS: &[&str] = &[
        "/api/v1/verify/",
        "/api/v1/trust/",
        "/api/v1/dossiers/lookup/",
    ];
    const EXACT_PAGES: &[&str] = &["/nop-ho-so"];
    const EXACT_APIS: &[&str] = &[
        "/api/v1/dossiers/submissions",
        "/api/v1/procedures",
        "/api/v1/calendar",
    ];
    if PAGES.iter().any(|p| path.starts_with(p)) || EXACT_PAGES.contains(&path) {
        Some(Surface::Page)
    } else if APIS.iter().any(|p| path.starts_with(p))
        || EXACT_APIS.contains(&path.trim_end_matches('/'))
        || path.starts_with("/api/v1/procedures/")
    {
        Some(Surface::Api)
    } else {
        None
    }
}

/// The rate-limiting key of a request: the client's address (an IPv6 one cut to its /64).
///
/// `peer` is the TCP peer; `forwarded_for` the `X-Forwarded-For` header values in the order
/// received. Only a trusted peer's header is read, right to left: each trusted hop passes to the
/// address before it, and the first address that is not a trusted proxy is the client. An entry
/// that is not an address (garbage, `unknown`, an obfuscated name) ends the walk at the last
/// trusted hop, so such requests share that hop's budget rather than escaping the limit.
pub fn client_key<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a [u8]>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return key_of(client);
    }
    for value in forwarded_for.rev() {
        for item in value.rsplit(|b| *b == b',') {
            let item = item.trim_ascii();
            if item.is_empty() {
                continue;
            }
            let Some(addr) = parse_hop(item) else {
                return key_of(client);
            };
            client = addr.to_canonical();
            if !is_trusted(&client) {
                return key_of(client);
            }
        }
    }
    key_of(client)
}

/// One `X-Forwarded-For` entry: an address, optionally with a port (`198.51.100.7:4711`,
/// `[2001:db8::1]:443`) or in brackets, as some proxies write them.
fn parse_hop(item: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(item).ok()?;
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })
}

/// IPv4 addresses stand for themselves; IPv6 ones for their /64.
fn key_of(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::from(u64::MAX)))),
    }
}

/// The keyed limiter and what it needs to find the key.
///
/// Memory stays bounded under many distinct addresses: every [`PRUNE_EVERY`] limited requests,
/// the request that crosses the mark prunes the table (`retain_recent`, then `shrink_to_fit`) of
/// every client whose budget has refilled, which makes it indistinguishable from a new one. The
/// table therefore holds at most the clients seen within one refill period (burst / rate) plus
/// [`PRUNE_EVERY`]. Pruning from the request path, rather than from a background task, needs no
/// runtime at construction and no task to stop; its cost is one pass over the table, paid once
/// per [`PRUNE_EVERY`] requests.
pub(crate) struct PublicLimiter {
    limiter: Limiter,
    checks: AtomicU64,
}

impl PublicLimiter {
    /// A limiter for `per_minute` requests a minute with bursts of `burst`; `None` when the rate
    /// is 0 (no limit).
    pub(crate) fn new(per_minute: u32, burst: u32, clock: SharedClock) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Some(Self {
            limiter: RateLimiter::dashmap_with_clock(
                Quota::per_minute(rate).allow_burst(burst),
                LimiterClock(clock),
            ),
            checks: AtomicU64::new(0),
        })
    }

    /// Counts one request of `key`; over the limit, the whole seconds (at least 1) to wait.
    pub(crate) fn check(&self, key: IpAddr) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        self.limiter.check_key(&key).map_err(|not_until| {
            retry_after_seconds(not_until.wait_time_from(self.limiter.clock().now()))
        })
    }

    /// Forgets the clients whose budget has refilled.
    pub(crate) fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many clients the table holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.limiter.len()
    }
}

/// A wait as `Retry-After` seconds: rounded up, at least 1.
fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The 429 answer: problem+json for the API, a small bilingual page for the browser.
fn too_many_requests(surface: Surface, retry_after: u64) -> Response {
    let mut resp = match surface {
        Surface::Api => Problem::new(
            "too-many-requests",
            format!(
                "too many requests from this address to the public endpoints; try again in {retry_after} seconds"
            ),
        )
        .into_poem_response(),
        Surface::Page => Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_LANGUAGE, "vi, en")
            .header(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            )
            .body(page(retry_after)),
    };
    let headers = resp.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The self-contained page (no external resources), Vietnamese first, English alongside.
fn page(retry_after: u64) -> String {
    format!(
        r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Quá nhiều yêu cầu / Too many requests</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}h1{{font-size:1.25rem}}p{{color:#444}}</style>
</head>
<body>
<h1>Quá nhiều yêu cầu — vui lòng thử lại sau {retry_after} giây</h1>
<p lang="en">Too many requests — please try again in {retry_after} seconds.</p>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::clock::{ManualClock, system};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn key(peer: &str, xff: &[&str], trusted: &[&str]) -> IpAddr {
        client_key(ip(peer), xff.iter().map(|v| v.as_bytes()), &nets(trusted))
    }

    #[test]
    fn only_the_public_prefixes_are_limited() {
        assert_eq!(public_surface("/v/ABC"), Some(Surface::Page));
        assert_eq!(public_surface("/V/ABC"), Some(Surface::Page));
        assert_eq!(public_surface("/api/v1/verify/ABC"), Some(Surface::Api));
        assert_eq!(public_surface("/api/v1/verify/pdf"), Some(Surface::Api));
        assert_eq!(public_surface("/api/v1/trust/keys"), Some(Surface::Api));
        assert_eq!(public_surface("/d/BQLKKT-260213-0001"), Some(Surface::Page));
        assert_eq!(public_surface("/nop-ho-so"), Some(Surface::Page));
        assert_eq!(
            public_surface("/api/v1/dossiers/lookup/BQLKKT-260213-0001"),
            Some(Surface::Api)
        );
        assert_eq!(
            public_surface("/api/v1/dossiers/submissions"),
            Some(Surface::Api)
        );
        assert_eq!(public_surface("/api/v1/procedures"), Some(Surface::Api));
        for path in [
            "/api/v1/dossiers",
            "/api/v1/dossiers/019a-0000",
            "/",
            "/v",
            "/vx/ABC",
            "/healthz",
            "/api/v1/zones",
            "/api/v1/trusted/keys",
            "/api/v1/verifyx",
            "/docs",
        ] {
            assert_eq!(public_surface(path), None, "{path}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(
            key("203.0.113.9", &["198.51.100.1"], &[]),
            ip("203.0.113.9")
        );
        assert_eq!(
            key("203.0.113.9", &["198.51.100.1"], &["10.0.0.0/8"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        assert_eq!(
            key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", &[], &[]),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            key("2001:db8:1:2::1", &[], &[]),
            key("2001:db8:1:2:ffff::9", &[], &[])
        );
        assert_ne!(
            key("2001:db8:1:2::1", &[], &[]),
            key("2001:db8:1:3::1", &[], &[])
        );
        // An IPv4 client seen through a dual-stack socket is keyed as IPv4, not as a /64.
        assert_eq!(key("::ffff:203.0.113.9", &[], &[]), ip("203.0.113.9"));
        assert_ne!(
            key("::ffff:203.0.113.9", &[], &[]),
            key("::ffff:203.0.113.10", &[], &[])
        );
    }

    #[test]
    fn a_trusted_proxy_passes_the_right_most_untrusted_address() {
        let trusted = ["10.0.0.0/8", "2001:db8:ffff::/48"];
        assert_eq!(
            key("10.0.0.1", &["198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
        // The client may forge entries on the left; they are never reached.
        assert_eq!(
            key("10.0.0.1", &["1.1.1.1, 2.2.2.2, 198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
        // Several trusted hops, over several header lines, with ports and brackets.
        assert_eq!(
            key(
                "10.0.0.1",
                &[
                    "6.6.6.6, [2001:db8:5::77]:443",
                    "10.9.9.9:8080 , 2001:db8:ffff::3"
                ],
                &trusted
            ),
            ip("2001:db8:5::")
        );
        assert_eq!(
            key("10.0.0.1", &["[2001:db8:6::1]"], &trusted),
            ip("2001:db8:6::")
        );
        assert_eq!(
            key("10.0.0.1", &["::ffff:198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn garbage_in_forwarded_for_stops_at_the_last_trusted_hop() {
        let trusted = ["10.0.0.0/8"];
        assert_eq!(key("10.0.0.1", &["unknown"], &trusted), ip("10.0.0.1"));
        assert_eq!(
            key("10.0.0.1", &["198.51.100.7, _hidden, 10.0.0.2"], &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(key("10.0.0.1", &["1.2.3.4.5"], &trusted), ip("10.0.0.1"));
        assert_eq!(key("10.0.0.1", &["<script>"], &trusted), ip("10.0.0.1"));
        // Empty entries are skipped, not garbage.
        assert_eq!(
            key("10.0.0.1", &[" , 198.51.100.7,"], &trusted),
            ip("198.51.100.7")
        );
        // No header, or only trusted hops: the left-most trusted address is all we know.
        assert_eq!(key("10.0.0.1", &[], &trusted), ip("10.0.0.1"));
        assert_eq!(
            key("10.0.0.1", &["10.0.0.3, 10.0.0.2"], &trusted),
            ip("10.0.0.3")
        );
        // Bytes that are not UTF-8 are garbage too.
        let raw: [&[u8]; 1] = [b"\xff\xfe"];
        assert_eq!(
            client_key(ip("10.0.0.1"), raw.into_iter(), &nets(&trusted)),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1000)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(29)), 29);
    }

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_keep_theirs() {
        let limiter = PublicLimiter::new(60, 3, system()).unwrap();
        let (a, b) = (ip("198.51.100.1"), ip("198.51.100.2"));
        for _ in 0..3 {
            assert_eq!(limiter.check(a), Ok(()));
        }
        assert_eq!(limiter.check(a), Err(1));
        assert_eq!(limiter.check(b), Ok(()));
        assert!(PublicLimiter::new(0, 30, system()).is_none());
    }

    #[test]
    fn idle_clients_are_pruned_so_the_table_stays_bounded() {
        // One request refills in 1 ms: every client is idle again almost at once.
        let clock = ManualClock::starting_now();
        let limiter = PublicLimiter::new(60_000, 1, clock.clone()).unwrap();
        let n = PRUNE_EVERY as u32 * 3;
        for i in 0..n {
            let addr = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            assert_eq!(limiter.check(addr), Ok(()));
            if i % 1024 == 0 {
                clock.advance(Duration::from_millis(2));
            }
        }
        assert!(
            limiter.len() <= PRUNE_EVERY as usize + 1024,
            "the table kept {} of {n} clients",
            limiter.len()
        );
        clock.advance(Duration::from_millis(5));
        limiter.prune();
        assert_eq!(limiter.len(), 0);
    }

    #[test]
    fn the_page_is_bilingual_and_self_contained() {
        let html = page(7);
        assert!(html.contains("Quá nhiều yêu cầu — vui lòng thử lại sau 7 giây"));
        assert!(html.contains("Too many requests — please try again in 7 seconds"));
        assert!(html.find("Quá nhiều").unwrap() < html.find("Too many requests —").unwrap());
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src="));
    }

    /// Cost per request; run with
    /// `cargo test --release --lib rate_limit::tests::cost -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn cost_per_request() {
        use std::hint::black_box;
        use std::time::Instant;
        const N: u32 = 1_000_000;

        let started = Instant::now();
        for i in 0..N {
            let path = if i % 2 == 0 {
                "/api/v1/zones"
            } else {
                "/api/v1/projects/x"
            };
            black_box(public_surface(black_box(path)));
        }
        let staff = started.elapsed() / N;

        let limiter = PublicLimiter::new(1_000_000, 1_000_000, system()).unwrap();
        let trusted = nets(&["10.0.0.0/8"]);
        let xff: [&[u8]; 1] = [b"198.51.100.7, 10.0.0.2"];
        let proxy = ip("10.0.0.1");
        let started = Instant::now();
        for _ in 0..N {
            let key = client_key(black_box(proxy), xff.into_iter(), &trusted);
            let _ = black_box(limiter.check(key));
        }
        let one_client = started.elapsed() / N;

        let started = Instant::now();
        for i in 0..N {
            let peer = IpAddr::V4(Ipv4Addr::from(0xc633_0000 + (i % 65_536)));
            let key = client_key(peer, std::iter::empty(), &[]);
            let _ = black_box(limiter.check(key));
        }
        let many_clients = started.elapsed() / N;
        println!(
            "staff path: {staff:?}/request; public, one client via a trusted proxy: {one_client:?}/request; \
             public, 65,536 clients: {many_clients:?}/request (table: {} clients)",
            limiter.len()
        );
    }
}
