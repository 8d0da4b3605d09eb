//! Random numbers for servers and clerks (a clerk's id, say): from the operating system's
//! generator in the plain build; from the run's seed with the `simulation` feature, so that a seed
//! replays them too. Fault decisions do not come from here: each directed link has its own stream
//! from the network's seed (see [`Network::seed`](crate::Network::seed)).

/// A random 64-bit number.
pub fn random_u64() -> u64 {
    #[cfg(not(feature = "simulation"))]
    return rand::random();
    #[cfg(feature = "simulation")]
    return shuttle::rand::RngCore::next_u64(&mut shuttle::rand::thread_rng());
}
