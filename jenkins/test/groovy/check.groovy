// Test helper of jenkins/test/groovy.system.test.ts, run by Debian's Groovy 2.4: the Groovy line Jenkins embeds.
//   parse FILE...                       compile each file without running it; one line per file:
//                                       "ok FILE stages=A|B|..." (the names of stage(...) calls in source order)
//                                       or "error FILE: <the compiler's message>"; exit 1 when any failed
//   gate EXPR GIT_BRANCH,BRANCH_NAME... evaluate EXPR once per pair with env.GIT_BRANCH and env.BRANCH_NAME set
//                                       ('-': unset); one result per line
import org.codehaus.groovy.ast.CodeVisitorSupport
import org.codehaus.groovy.ast.builder.AstBuilder
import org.codehaus.groovy.ast.expr.ConstantExpression
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.ast.expr.TupleExpression
import org.codehaus.groovy.ast.stmt.Statement
import org.codehaus.groovy.control.CompilePhase
import org.codehaus.groovy.control.MultipleCompilationErrorsException

class StageNames extends CodeVisitorSupport {
  List<String> names = []
  void visitMethodCallExpression(MethodCallExpression call) {
    if (call.methodAsString == 'stage' && call.arguments instanceof TupleExpression) {
      def first = ((TupleExpression) call.arguments).expressions[0]
      if (first instanceof ConstantExpression) names << String.valueOf(((ConstantExpression) first).value)
    }
    super.visitMethodCallExpression(call)
  }
}

if (args.length > 0 && args[0] == 'parse') {
  int failed = 0
  args.drop(1).each { path ->
    String text = new File(path).text
    try {
      new GroovyShell().parse(text, 'Checked')
      def visitor = new StageNames()
      new AstBuilder().buildFromString(CompilePhase.CONVERSION, false, text).findAll { it instanceof Statement }.each { it.visit(visitor) }
      println "ok ${path} stages=${visitor.names.join('|')}"
    } catch (MultipleCompilationErrorsException e) {
      failed++
      println "error ${path}: ${e.message.readLines().findAll { it.trim() }.drop(1).take(1).join(' ').trim()}"
    }
  }
  System.exit(failed > 0 ? 1 : 0)
} else if (args.length >= 3 && args[0] == 'gate') {
  def unset = { String v -> v == '-' ? null : v }
  args.drop(2).each { String pair ->
    def (gitBranch, branchName) = pair.split(',', 2) as List
    def env = [GIT_BRANCH: unset(gitBranch), BRANCH_NAME: unset(branchName)]
    println new GroovyShell(new Binding([env: env])).evaluate(args[1])
  }
} else {
  System.err.println 'usage: check.groovy parse FILE... | gate EXPR GIT_BRANCH,BRANCH_NAME...'
  System.exit(2)
}
