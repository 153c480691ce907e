//! The control plane: functions, versions, aliases, concurrency.

use crate::support::{create, scheduler};
use nimbus_scheduler::Error;
use nimbus_scheduler::model::*;

#[tokio::test]
async fn create_get_list_and_delete() {
    let (s, _dir) = scheduler();
    let created = s.create_function(create("hello", "echo")).await.unwrap();
    assert_eq!(created.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:hello");
    assert_eq!((created.state.as_str(), created.last_update_status.as_str()), ("Active", "Successful"));
    assert_eq!((created.memory_size, created.timeout, created.version.as_str()), (128, 3, "$LATEST"));
    assert!(matches!(
        s.create_function(create("hello", "echo")).await,
        Err(Error::Conflict(m)) if m == "Function already exist: hello"
    ));
    let details = s.get_function("hello", None).await.unwrap();
    assert_eq!(details.configuration, created);
    for n in 0..3 {
        s.create_function(create(&format!("f{n}"), "echo")).await.unwrap();
    }
    let first = s.list_functions(None, Some(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let rest = s.list_functions(first.next_marker.as_deref(), Some(50)).await.unwrap();
    assert_eq!(rest.items.len(), 2);
    assert_eq!(rest.next_marker, None);
    s.delete_function("hello", None).await.unwrap();
    assert!(matches!(
        s.get_function("hello", None).await,
        Err(Error::NotFound(m)) if m == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:hello"
    ));
}

#[tokio::test]
async fn bad_inputs_get_lambdas_errors() {
    let (s, _dir) = scheduler();
    let mut bad_runtime = create("r", "echo");
    bad_runtime.runtime = Some("python3.12".into());
    assert!(
        matches!(s.create_function(bad_runtime).await, Err(Error::InvalidParameter(m)) if m.contains("provided.al2023"))
    );
    let mut bad_zip = create("z", "echo");
    bad_zip.code.zip_file = Some("aGVsbG8=".into());
    assert!(matches!(
        s.create_function(bad_zip).await,
        Err(Error::InvalidParameter(m)) if m == "Could not unzip uploaded file. Please check your file, then try to upload again."
    ));
    let mut bad_role = create("x", "echo");
    bad_role.role = Some("nope".into());
    assert!(matches!(s.create_function(bad_role).await, Err(Error::Validation(_))));
    let mut bad_memory = create("m", "echo");
    bad_memory.memory_size = Some(64);
    assert!(matches!(s.create_function(bad_memory).await, Err(Error::Validation(_))));
    assert!(matches!(s.create_function(create("bad name!", "echo")).await, Err(Error::Validation(_))));
    let mut reserved = create("e", "echo");
    reserved.environment = Some(Environment { variables: [("AWS_REGION".to_string(), "x".to_string())].into() });
    assert!(matches!(s.create_function(reserved).await, Err(Error::InvalidParameter(m)) if m.ends_with("AWS_REGION")));
    let mut short = create("e", "echo");
    short.environment = Some(Environment { variables: [("V".to_string(), "x".to_string())].into() });
    assert!(matches!(s.create_function(short).await, Err(Error::Validation(_))));
}

#[tokio::test]
async fn updates_change_the_revision_and_stale_revisions_are_refused() {
    let (s, _dir) = scheduler();
    let created = s.create_function(create("f", "echo")).await.unwrap();
    let updated = s
        .update_function_configuration(
            "f",
            UpdateFunctionConfigurationRequest { memory_size: Some(256), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(updated.memory_size, 256);
    assert_ne!(updated.revision_id, created.revision_id);
    let stale = s
        .update_function_configuration(
            "f",
            UpdateFunctionConfigurationRequest {
                timeout: Some(5),
                revision_id: Some(created.revision_id),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(stale, Err(Error::PreconditionFailed(_))));
}

#[tokio::test]
async fn versions_and_aliases() {
    let (s, _dir) = scheduler();
    s.create_function(create("f", "echo")).await.unwrap();
    let v1 = s.publish_version("f", PublishVersionRequest::default()).await.unwrap();
    assert_eq!(v1.version, "1");
    assert_eq!(v1.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:f:1");
    // Nothing changed: the same version comes back.
    assert_eq!(s.publish_version("f", PublishVersionRequest::default()).await.unwrap().version, "1");
    s.update_function_configuration("f", UpdateFunctionConfigurationRequest { timeout: Some(9), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(s.publish_version("f", PublishVersionRequest::default()).await.unwrap().version, "2");
    let versions = s.list_versions("f", None, None).await.unwrap();
    let names: Vec<_> = versions.items.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(names, ["$LATEST", "1", "2"]);

    let alias = s
        .create_alias(
            "f",
            CreateAliasRequest {
                name: "live".into(),
                function_version: "1".into(),
                routing_config: Some(AliasRoutingConfiguration {
                    additional_version_weights: [("2".to_string(), 0.5)].into(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(alias.alias_arn, "arn:aws:lambda:us-east-1:000000000000:function:f:live");
    assert!(matches!(
        s.create_alias("f", CreateAliasRequest { name: "live".into(), function_version: "1".into(), ..Default::default() }).await,
        Err(Error::Conflict(m)) if m.starts_with("Alias already exists: ")
    ));
    assert!(matches!(
        s.get_alias("f", "nope").await,
        Err(Error::NotFound(m)) if m == "Alias not found: arn:aws:lambda:us-east-1:000000000000:function:f:nope"
    ));
    assert!(matches!(s.delete_function("f", Some("1")).await, Err(Error::Conflict(_))));
    assert!(matches!(
        s.delete_function("f", Some("$LATEST")).await,
        Err(Error::InvalidParameter(m)) if m == "$LATEST version cannot be deleted without deleting the function."
    ));
    s.delete_alias("f", "live").await.unwrap();
    s.delete_function("f", Some("1")).await.unwrap();
    assert!(matches!(s.get_function("f", Some("1")).await, Err(Error::NotFound(_))));
    assert_eq!(s.get_function("f", Some("2")).await.unwrap().configuration.timeout, 9);
}

#[tokio::test]
async fn reserved_concurrency_round_trips() {
    let (s, _dir) = scheduler();
    s.create_function(create("f", "echo")).await.unwrap();
    assert_eq!(s.get_function_concurrency("f").await.unwrap(), None);
    s.put_function_concurrency("f", 5).await.unwrap();
    assert_eq!(s.get_function_concurrency("f").await.unwrap().unwrap().reserved_concurrent_executions, 5);
    assert_eq!(s.account_settings().await.unwrap().account_limit.unreserved_concurrent_executions, 95);
    s.delete_function_concurrency("f").await.unwrap();
    assert_eq!(s.get_function_concurrency("f").await.unwrap(), None);
}

#[tokio::test]
async fn a_zip_is_kept_while_any_version_uses_it() {
    let (s, _dir) = scheduler();
    s.create_function(create("f", "echo")).await.unwrap();
    s.create_function(create("g", "echo")).await.unwrap();
    let digest = s.get_function("f", None).await.unwrap().code_digest_hex;
    assert_eq!(s.get_function("g", None).await.unwrap().code_digest_hex, digest, "the same zip");
    s.delete_function("f", None).await.unwrap();
    assert!(s.code_zip(&digest).await.is_ok(), "g still uses it");
    s.delete_function("g", None).await.unwrap();
    assert!(matches!(s.code_zip(&digest).await, Err(Error::NotFound(_))));
}
