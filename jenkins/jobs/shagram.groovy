// The Shagram pipeline job, created by JCasC (jenkins/casc/jenkins.yaml -> jobs) with the Job DSL plugin.
// GitHub pushes reach https://<JENKINS_HOST>/github-webhook/ (signature checked with the
// github-webhook-secret credential); the githubPush trigger then builds this job, whose steps are the
// Jenkinsfile at the repository root. Only main deploys (the gate is in the Jenkinsfile).
pipelineJob('shagram') {
  description('Shagram: lint, typecheck, tests, image -> Harbor; on main: pulumi up (prod), smoke test, rollback on failure.')
  logRotator {
    numToKeep(50)
  }
  properties {
    githubProjectUrl(System.getenv('GITHUB_REPO_URL'))
    disableConcurrentBuilds()
    pipelineTriggers {
      triggers {
        githubPush()
      }
    }
  }
  definition {
    cpsScm {
      scm {
        git {
          remote {
            url(System.getenv('GITHUB_REPO_URL'))
          }
          branches(System.getenv('GITHUB_BRANCHES') ?: '**')
        }
      }
      scriptPath('Jenkinsfile')
      lightweight(false)
    }
  }
}
