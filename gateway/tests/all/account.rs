//! GetAccountSettings.

use crate::support::{App, ECHO};

#[tokio::test]
async fn account_settings_with_and_without_the_trailing_slash() {
    let app = App::new().await;
    app.create("acct", ECHO).await;
    for path in ["/2016-08-19/account-settings", "/2016-08-19/account-settings/"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let settings = reply.json();
        assert_eq!(settings["AccountLimit"]["ConcurrentExecutions"], 10, "{settings}");
        assert_eq!(settings["AccountUsage"]["FunctionCount"], 1, "{settings}");
    }
}
