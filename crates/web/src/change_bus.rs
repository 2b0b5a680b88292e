//! Telling the other servers at once that a product change committed here, through Redis pub/sub.
//!
//! The database's change log stays the truth: a message carries nothing but "read the log now". Each server
//! publishes one after each of its own commits and wakes its change follower on every message (its own
//! included, which costs one read of an empty page of the log). A lost message loses nothing: the
//! follower polls the log anyway ([`ANNOUNCED_POLL_INTERVAL`]), is woken whenever the subscriber
//! reconnects, and a server that starts catches up from its index's last applied sequence.

use crate::http::auth::sessions::{REDIS_COMMAND_TIMEOUT, REDIS_CONNECT_TIMEOUT, connect_at_start, reconnect_policy};
use finmart_store::Store;
use fred::clients::SubscriberClient;
use fred::prelude::{Config as RedisConfig, EventInterface, Pool, PubsubInterface};
use fred::types::Builder;
use fred::types::config::{ConnectionConfig, PerformanceConfig};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

pub use finmart_catalogue::sync::ANNOUNCED_POLL_INTERVAL;

/// The channel every server of a deployment publishes and subscribes on.
pub const CHANNEL: &str = "finmart:product-changes";

/// A running bus: the tasks publishing this server's commits and waking its follower, stopped on drop.
#[derive(Debug)]
pub struct ChangeBus {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for ChangeBus {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

impl ChangeBus {
    /// Subscribes on the Redis at `url` (connecting now, so that a wrong URL fails the start as the sessions'
    /// does) and publishes `store`'s commits through `pool` (the sessions' clients: a subscribed connection
    /// can do nothing else).
    ///
    /// # Errors
    /// The URL does not parse, or Redis cannot be reached within 10 s.
    pub async fn start(url: &str, pool: Pool, store: &Store) -> anyhow::Result<Self> {
        let performance = PerformanceConfig { default_command_timeout: REDIS_COMMAND_TIMEOUT, ..Default::default() };
        let connection = ConnectionConfig {
            connection_timeout: REDIS_CONNECT_TIMEOUT,
            internal_command_timeout: REDIS_CONNECT_TIMEOUT,
            ..Default::default()
        };
        let client = Builder::from_config(RedisConfig::from_url(url)?)
            .set_policy(reconnect_policy())
            .set_performance_config(performance)
            .set_connection_config(connection)
            .build_subscriber_client()?;
        // Taken before subscribing, so that no message is missed between the two.
        let messages = client.message_rx();
        let reconnects = client.reconnect_rx();
        let connection =
            connect_at_start(&client).await.map_err(|e| anyhow::anyhow!("Redis {url} did not answer: {e}"))?;
        // Subscribed again by this task after every reconnection.
        let resubscribe = client.manage_subscriptions();
        client.subscribe(CHANNEL).await?;
        let wake = tokio::spawn(wake_follower(store.clone(), messages, reconnects, client));
        let publish = tokio::spawn(publish_commits(store.clone(), pool));
        let connection = tokio::spawn(async move {
            if let Ok(Err(e)) = connection.await {
                tracing::warn!(error = %e, "the Redis subscriber stopped; other servers' changes wait for the poll");
            }
        });
        Ok(Self { tasks: vec![wake, publish, resubscribe, connection] })
    }
}

/// Wakes the follower on every message, and after every reconnection (messages sent meanwhile were lost).
async fn wake_follower(
    store: Store,
    mut messages: tokio::sync::broadcast::Receiver<fred::types::Message>,
    mut reconnects: tokio::sync::broadcast::Receiver<fred::types::config::Server>,
    // Kept for the life of the task: dropping the last handle would close the connection.
    _client: SubscriberClient,
) {
    let follower = store.change_signal();
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                // Falling behind the channel's buffer only means some wake-ups were merged.
                Ok(_) | Err(RecvError::Lagged(_)) => follower.notify_one(),
                Err(RecvError::Closed) => return,
            },
            reconnected = reconnects.recv() => match reconnected {
                Ok(_) | Err(RecvError::Lagged(_)) => follower.notify_one(),
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Publishes once per commit made through this process's store (commits close together share a message).
async fn publish_commits(store: Store, pool: Pool) {
    let mut commits = store.committed_changes();
    while commits.changed().await.is_ok() {
        commits.borrow_and_update();
        if let Err(e) = pool.next().publish::<i64, _, _>(CHANNEL, "").await {
            // The others' polls bring the change to them; nothing to retry.
            tracing::warn!(error = %e, "a product change could not be announced to the other servers");
        }
    }
}
