//! Named points where a test may crash the device on purpose. The seeded simulation
//! (`crates/sim`) sets a hook on its thread that panics at a point the seed picks; the panic
//! unwinds through the open transaction (which rolls back, as a killed process's would) and the
//! simulation then drops the store and reopens its files. With no hook set, which is always
//! the case in the app, a point costs one thread-local read.

use std::cell::RefCell;

type Hook = Box<dyn FnMut(&'static str)>;

thread_local! {
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
}

/// Calls `hook` with the name of every point this thread passes, until [`clear_hook`].
pub fn set_hook(hook: impl FnMut(&'static str) + 'static) {
    HOOK.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
}

pub fn clear_hook() {
    HOOK.with(|h| *h.borrow_mut() = None);
}

/// A point the device passes: the hook (if any) may panic here to model a crash.
pub(crate) fn hit(name: &'static str) {
    HOOK.with(|h| {
        if let Ok(mut hook) = h.try_borrow_mut() {
            if let Some(f) = hook.as_mut() {
                f(name);
            }
        }
    });
}

/// Whether the test run planted the fault `$name` on this thread (see [`plant`]). Without the
/// `plant` feature, which no shipped build has, this is the constant `false` and the faulty
/// branch is compiled out.
#[macro_export]
macro_rules! planted {
    ($name:literal) => {{
        #[cfg(feature = "plant")]
        let on = $crate::failpoint::plant::is_planted($name);
        #[cfg(not(feature = "plant"))]
        let on = false;
        on
    }};
}

/// Bugs planted on purpose, to prove that the simulation's invariants and the kill tests
/// catch them (docs/RELIABILITY.md, "Planted faults"). Compiled only with the `plant` feature.
/// A fault is planted per thread (the simulation runs each seed on one thread) or, for a
/// whole process such as `doorstep-field` under the kill tests, by `DOORSTEP_PLANT=NAME`.
#[cfg(feature = "plant")]
pub mod plant {
    use std::cell::RefCell;

    /// The device's planted faults: name and the bug it reintroduces.
    pub const FAULTS: &[(&str, &str)] = &[
        (
            "trim-past-sent",
            "the outbox is trimmed to the planner's acked_seq without the \"sent in this push\" bound",
        ),
        (
            "op-in-own-transaction",
            "a proof of delivery commits first and its outbox op in a second transaction",
        ),
        (
            "photo-row-before-file",
            "a photo's row is saved before its file is written, fsynced and renamed into place",
        ),
        (
            "cursor-before-routes",
            "a pull's cursor is saved in its own transaction before the routes it carries",
        ),
    ];

    thread_local! {
        static PLANTED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }

    /// Plants `name` on this thread until [`clear`]. Panics on a name not in [`FAULTS`], so a
    /// test cannot plant a fault that does not exist and pass.
    pub fn plant(name: &str) {
        let (known, _) = FAULTS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no planted fault is called {name:?}"));
        PLANTED.with(|p| p.borrow_mut().push(known));
    }

    pub fn clear() {
        PLANTED.with(|p| p.borrow_mut().clear());
    }

    pub fn is_planted(name: &str) -> bool {
        PLANTED.with(|p| p.borrow().contains(&name))
            || std::env::var("DOORSTEP_PLANT").is_ok_and(|v| v.split(',').any(|n| n == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_hook_sees_each_point_until_cleared() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        set_hook(move |name| log.borrow_mut().push(name));
        hit("one");
        hit("two");
        clear_hook();
        hit("three");
        assert_eq!(*seen.borrow(), vec!["one", "two"]);
    }
}
