// A benchmark's options: `--name value`, `--name=value` or `--name`, else an environment variable.

/** `--name value`, `--name=value`, else the environment variable, else `fallback`. */
export function option(name, envName, fallback) {
  const args = process.argv.slice(2)
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && i + 1 < args.length) return args[i + 1]
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3)
  }
  const fromEnv = envName ? process.env[envName] : undefined
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback
}

/** An integer option of at least `min`; anything else ends the process with exit code 2. */
export function intOption(name, envName, fallback, min) {
  const raw = option(name, envName, String(fallback))
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    console.error(
      `--${name}${envName ? ` / ${envName}` : ''} must be an integer >= ${min}, got ${raw}`,
    )
    process.exit(2)
  }
  return value
}

/** A flag without a value (`--name`), or the environment variable set to 1/true. */
export function flagOption(name, envName) {
  if (process.argv.slice(2).includes(`--${name}`)) return true
  const fromEnv = envName ? process.env[envName] : undefined
  return fromEnv === '1' || fromEnv === 'true'
}
