//! The HTTP/1.1 server: an accept loop over hyper that holds up under slow and idle clients.
//!
//! poem's own server gives hyper no timer, which silently turns off hyper's header read timeout,
//! and it takes any number of connections from one client. Here:
//! - every request head (and every wait for the next request on a kept-alive connection) must
//!   arrive within `header_read_timeout`, or the connection is closed: trickled headers
//!   (slowloris) and idle or half-open connections do not pile up;
//! - one client (an IPv4 address, an IPv6 /64) holds at most `max_connections_per_client`
//!   connections at once, trusted reverse proxies excepted; more are closed at once;
//! - the whole server holds at most `max_connections`; past that, new connections are closed at
//!   once, so a flood cannot exhaust file descriptors and starve `/healthz`;
//! - on shutdown, accepting stops and requests in flight get the grace period to finish.
//!
//! Request bodies are read with their own deadline by the edge middleware
//! ([`crate::api::middleware`]).

use std::{
    collections::HashMap,
    convert::Infallible,
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};

use hyper::{server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use ipnet::IpNet;
use poem::{
    Endpoint, IntoEndpoint,
    web::{LocalAddr, RemoteAddr},
};
use tokio::net::TcpListener;

use crate::api::rate_limit::client_key;

/// What the server allows a client.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Longest wait for a request head, and for the next request on a kept-alive connection.
    pub header_read_timeout: Duration,
    /// Connections one client may hold at once; 0 for no limit.
    pub max_connections_per_client: usize,
    /// Connections the server holds at once.
    pub max_connections: usize,
    /// Reverse proxies, which may hold any number of connections.
    pub trusted_proxies: Vec<IpNet>,
    /// Time given to requests in flight at shutdown.
    pub shutdown_grace: Duration,
}

/// Open connections, by client and in all.
#[derive(Debug, Default)]
struct Connections {
    by_client: HashMap<IpAddr, usize>,
    total: usize,
}

/// Counts connections and admits them within the limits.
#[derive(Debug)]
struct Admission {
    limits: ServerLimits,
    open: Mutex<Connections>,
}

/// One admitted connection; releases its place when dropped.
struct Admitted {
    admission: Arc<Admission>,
    client: Option<IpAddr>,
}

impl Admission {
    /// Admits a connection from `peer`, or `None` when the client or the server is full.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Admitted> {
        let trusted = self
            .limits
            .trusted_proxies
            .iter()
            .any(|net| net.contains(&peer.to_canonical()));
        let client = (!trusted && self.limits.max_connections_per_client > 0)
            .then(|| client_key(peer, std::iter::empty(), &[]));
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.limits.max_connections {
            return None;
        }
        if let Some(c) = client {
            let n = open.by_client.entry(c).or_default();
            if *n >= self.limits.max_connections_per_client {
                return None;
            }
            *n += 1;
        }
        open.total += 1;
        Some(Admitted {
            admission: self.clone(),
            client,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(c) = self.client
            && let Some(n) = open.by_client.get_mut(&c)
        {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&c);
            }
        }
    }
}

/// Serves `endpoint` on `listener` until `shutdown` completes, then lets requests in flight
/// finish within the grace period.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let endpoint = Arc::new(endpoint.into_endpoint());
    let local: SocketAddr = listener.local_addr()?;
    let grace = limits.shutdown_grace;
    let header_timeout = limits.header_read_timeout;
    let admission = Arc::new(Admission {
        limits,
        open: Mutex::default(),
    });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment instead of spinning, and keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = admission.admit(peer.ip()) else {
            tracing::debug!(client = %peer.ip(), "connection refused: over the connection limit");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let endpoint = endpoint.clone();
        let service = service_fn(move |req| {
            let endpoint = endpoint.clone();
            async move {
                let req = poem::Request::from((
                    req,
                    LocalAddr(poem::Addr::SocketAddr(local)),
                    RemoteAddr(poem::Addr::SocketAddr(peer)),
                    poem::http::uri::Scheme::HTTP,
                ));
                let resp = endpoint.get_response(req).await;
                Ok::<_, Infallible>(hyper::Response::from(resp))
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true)
            // Room beyond the edge's own limits (8 KiB target, 100 headers, 32 KiB of them), so
            // a request over them reaches the edge and gets a problem, not hyper's bare status.
            .max_headers(256)
            .max_buf_size(256 * 1024)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(admitted);
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the grace period were cut off");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(per_client: usize, total: usize, trusted: &[&str]) -> Arc<Admission> {
        Arc::new(Admission {
            limits: ServerLimits {
                header_read_timeout: Duration::from_secs(10),
                max_connections_per_client: per_client,
                max_connections: total,
                trusted_proxies: trusted.iter().map(|n| n.parse().unwrap()).collect(),
                shutdown_grace: Duration::from_secs(1),
            },
            open: Mutex::default(),
        })
    }

    #[test]
    fn a_client_gets_its_share_of_connections_and_gets_them_back() {
        let a = admission(2, 100, &[]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let first = a.admit(ip("198.51.100.7")).unwrap();
        let _second = a.admit(ip("198.51.100.7")).unwrap();
        assert!(a.admit(ip("198.51.100.7")).is_none(), "a third is refused");
        assert!(a.admit(ip("198.51.100.8")).is_some(), "others are not");
        // One IPv6 host holds a whole /64: it counts as one client.
        let _v6 = a.admit(ip("2001:db8::1")).unwrap();
        let _v6b = a.admit(ip("2001:db8::2")).unwrap();
        assert!(a.admit(ip("2001:db8::3:4")).is_none());
        drop(first);
        assert!(
            a.admit(ip("198.51.100.7")).is_some(),
            "a closed one frees a place"
        );
    }

    #[test]
    fn trusted_proxies_are_not_limited_per_client_but_the_total_is_kept() {
        let a = admission(1, 3, &["10.0.0.0/8"]);
        let proxy = "10.0.0.5".parse::<IpAddr>().unwrap();
        let held: Vec<_> = (0..3).map(|_| a.admit(proxy).unwrap()).collect();
        assert!(a.admit(proxy).is_none(), "the server's total still holds");
        drop(held);
        assert_eq!(a.open.lock().unwrap().total, 0);
    }
}
