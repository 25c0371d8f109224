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
