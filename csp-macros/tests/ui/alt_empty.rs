//! An alt with no arms could never fire.

async fn nothing() {
    csp::alt! {}
}

fn main() {}
