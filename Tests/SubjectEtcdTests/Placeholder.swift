import Testing

@Suite struct SubjectEtcdPlaceholder {}
