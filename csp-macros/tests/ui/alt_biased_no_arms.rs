//! `biased;` alone is still an alt with no arms.

async fn nothing() {
    csp::alt! { biased; }
}

fn main() {}
