//! Every user-facing string, in one place, so a translation is one more table.

/// The strings of one language.
pub struct Strings {
    pub app_name: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub signing_in: &'static str,
    pub signed_in_as: &'static str,
    pub role: &'static str,
    pub area: &'static str,
    pub no_area: &'static str,
    pub loading: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub go_home: &'static str,
    pub network_error: &'static str,
}

/// English.
pub const EN: Strings = Strings {
    app_name: "TraceTrack",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "Username",
    password: "Password",
    signing_in: "Signing in…",
    signed_in_as: "Signed in as",
    role: "Role",
    area: "Dispatch area",
    no_area: "none",
    loading: "Loading…",
    not_found_title: "Page not found",
    not_found_text: "There is no page at this address.",
    go_home: "Go to the start page",
    network_error: "No connection to the server. Check the network and try again.",
};

/// The active language.
pub const T: &Strings = &EN;
