//! Seeds from `LAB_SEED`. This binary holds a single test, because it sets the variable for the
//! whole process.

use labrpc::{Network, SEED_ENV};

#[test]
fn lab_seed_sets_the_seed_and_a_malformed_one_is_a_clear_error() {
    std::env::set_var(SEED_ENV, "12345");
    assert_eq!(Network::from_env().unwrap().seed(), 12345);
    assert_eq!(Network::new().seed(), 12345);

    std::env::set_var(SEED_ENV, "twelve");
    let error = Network::from_env().err().expect("a malformed seed is an error");
    assert_eq!(error.value, "twelve");
    assert!(error.to_string().contains("LAB_SEED=\"twelve\" is not a whole number"), "{error}");
    // The lenient constructor still gives a working network.
    let _ = Network::new().seed();

    std::env::remove_var(SEED_ENV);
    let a = Network::from_env().unwrap().seed();
    let b = Network::from_env().unwrap().seed();
    assert_ne!(a, b, "without LAB_SEED each network draws its own seed");
}
